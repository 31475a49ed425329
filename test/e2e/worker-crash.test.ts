import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { eventually } from './harness.js';
import { fileURLToPath } from 'node:url';
import { Stack } from './stack.js';

// The shipped model: its sampling takes seconds for 150 steps × 2 images, so the kill lands
// mid-sampling on a quiet machine too (the tiny test models finish in well under a second).
const SHIPPED_MODELS_DIR = fileURLToPath(new URL('../../models', import.meta.url));

describe('a worker killed with SIGKILL mid-sampling (embedded queue)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await new Stack({
      queue: 'sqlite',
      state: 'sqlite',
      notifier: false,
      env: { DIFFSCOPE_MODELS_DIR: SHIPPED_MODELS_DIR, DIFFSCOPE_DEFAULT_MODEL: 'shapes-v1' },
    }).start();
  }, 180_000);
  afterAll(async () => stack?.stop(), 60_000);

  it('the job is delivered again, completes, and produces exactly one set of images', async () => {
    const n = 2;
    const submitted = await stack.submit({ prompt: 'a green triangle', steps: 150, seed: 9, n });
    expect(submitted.status).toBe(202);
    const id = submitted.json.id as string;
    const victim = stack.workers[0];
    await victim.waitForEvent('inference_start', 60_000, (l) => l.request_id === id);
    // Let it get into the sampling loop, then kill it without any chance to clean up.
    await eventually(
      async () => {
        const response = await fetch(`${stack.apiUrl()}/v1/generations/${id}`);
        const record = (await response.json()) as { status: string };
        return record.status === 'running';
      },
      30_000,
      'running',
    );
    await new Promise((r) => setTimeout(r, 300));
    victim.kill('SIGKILL');
    await victim.exit();
    expect(victim.lines.some((l) => l.event === 'request_complete' && l.request_id === id)).toBe(false);

    const rescuer = await stack.addWorker();
    const record = await stack.waitForStatus(id, ['succeeded', 'failed'], 0, 120_000);
    expect(record.status).toBe('succeeded');
    expect(record.attempts).toBeGreaterThanOrEqual(2);
    expect(record.output_locations).toHaveLength(n);
    const files = readdirSync(path.join(stack.dataDir.path, 'outputs', id));
    expect(files.sort()).toEqual(['0.png', '1.png']);
    expect(rescuer.lines.some((l) => l.event === 'job_dequeued' && l.request_id === id && Number(l.attempt) >= 2)).toBe(true);

    // The retry is visible in the one trace: two inference spans, the second with attempt ≥ 2.
    const trace = await stack.trace(String(submitted.json.trace_id), ['inference', 'storage.put']);
    const attempts = trace.spans
      .filter((s) => s.operationName === 'inference')
      .map((s) => Number(s.tags.find((t) => t.key === 'messaging.delivery.attempt')?.value));
    expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
  }, 240_000);
});
