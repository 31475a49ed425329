import { afterAll, beforeAll, describe, it } from 'vitest';
import { Stack } from './stack.js';
import { runTracedGeneration } from './generation-flow.js';

describe('end to end over the embedded SQLite queue and state (real processes)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await new Stack({ queue: 'sqlite', state: 'sqlite' }).start();
  }, 180_000);
  afterAll(async () => stack?.stop(), 60_000);

  it('produces the images, one trace A…E across processes, one trace id in every log line', async () => {
    await runTracedGeneration(stack);
  }, 180_000);
});
