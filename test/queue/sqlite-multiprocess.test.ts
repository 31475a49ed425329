import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteQueueBackend } from '../../src/queue/index.js';
import { waitFor } from './conformance.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-queue-mp-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteQueueBackend shared by several processes', () => {
  it('hands each message to exactly one of several competing consumer processes', async () => {
    const file = path.join(dir, 'queue.sqlite');
    const queue = 'shared';
    const done: string[] = [];
    const outputs = ['', ''];
    for (let i = 0; i < 2; i++) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(repoRoot, 'test/queue/fixtures/consume-and-report.ts'), file, queue],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      children.push(child);
      child.stdout.on('data', (d: Buffer) => {
        outputs[i] += d.toString();
        for (const m of d.toString().matchAll(/^done (\S+)$/gm)) done.push(m[1]);
      });
    }
    await waitFor(() => outputs.every((o) => o.includes('ready')), 'both consumer processes ready', 30_000);
    const backend = new SqliteQueueBackend({ file });
    const producer = await backend.producer(queue);
    // Slower than the children, so the children necessarily take part.
    const local = await backend.consume(
      queue,
      async (m) => {
        await new Promise((r) => setTimeout(r, 20));
        done.push(m.id);
      },
      { concurrency: 2, maxAttempts: 3, backoffMs: 50, maxBackoffMs: 200 },
    );
    const ids = Array.from({ length: 60 }, (_, i) => `job-${i}`);
    for (const id of ids) await producer.publish(id, { id }, { request_id: id });
    await waitFor(() => new Set(done).size === ids.length, 'every message processed');
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would show up meanwhile
    expect(done.sort()).toEqual([...ids].sort());
    expect(outputs.some((o) => o.includes('done job-'))).toBe(true); // the other processes took part
    await local.close({ drain: true });
    await backend.close();
    for (const child of children) child.kill('SIGTERM');
  });
});
