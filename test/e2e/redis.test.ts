import { afterAll, beforeAll, describe, it } from 'vitest';
import { requireServer } from './harness.js';
import { Stack } from './stack.js';
import { runTracedGeneration } from './generation-flow.js';
import { submitHereFollowThere } from './scale-out.js';

const up = (await requireServer('Redis', 6379)) && (await requireServer('PostgreSQL', 5432));

describe.runIf(up)('end to end over Redis (BullMQ) with state in PostgreSQL: 2 api-servers, 2 workers', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await new Stack({ queue: 'redis', state: 'postgres', apis: 2, workers: 2 }).start();
  }, 240_000);
  afterAll(async () => stack?.stop(), 60_000);

  it('one trace A…E across processes, images, correlated logs', async () => {
    await runTracedGeneration(stack, { submitVia: 0, followVia: 1 });
  }, 180_000);

  it('submit through one api-server, follow status and SSE through the other', async () => {
    await submitHereFollowThere(stack);
  }, 180_000);
});
