/** Two api-servers and two workers sharing a queue and a state store: submit through one, follow through the other. */
import { expect } from 'vitest';
import type { Stack } from './stack.js';
import { readSse } from './sse.js';

export async function submitHereFollowThere(stack: Stack): Promise<void> {
  const steps = 12;
  const submitted = await stack.submit({ prompt: 'a blue square', steps, seed: 5 }, 0);
  expect(submitted.status).toBe(202);
  const id = submitted.json.id as string;
  // Replica 2 never saw the POST: it answers from the shared state store.
  const events = await readSse(`${stack.apiUrl(1)}/v1/generations/${id}/events`);
  const types = events.map((e) => e.event);
  expect(types[0]).toBe('queued');
  expect(types).toContain('started');
  expect(types.at(-1)).toBe('succeeded');
  const progress = events.filter((e) => e.event === 'progress');
  expect(progress).toHaveLength(steps);
  expect(progress.map((e) => e.data.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
  const viaOther = await stack.status(id, 1);
  expect(viaOther.status).toBe('succeeded');
  expect(viaOther.output_locations).toHaveLength(1);

  // Several jobs at once spread over both workers.
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push((await stack.submit({ prompt: `shape ${i}`, steps: 20, seed: i }, i % 2)).json.id as string);
  for (const jobId of ids) expect((await stack.waitForStatus(jobId, ['succeeded', 'failed'], 1)).status).toBe('succeeded');
  const workersUsed = stack.workers.filter((w) => w.lines.some((l) => l.event === 'job_dequeued' && ids.includes(String(l.request_id))));
  expect(workersUsed.length).toBeGreaterThanOrEqual(1);
}
