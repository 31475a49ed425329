/**
 * A SQLite lock held by another process (issue 9, item 17): a backup tool, a stuck worker or
 * an operator's `sqlite3` shell holds the state file's write lock. The api-server must not
 * freeze its event loop waiting for it (better-sqlite3 waits synchronously): the wait happens
 * between event-loop turns, other requests are answered meanwhile, and after
 * DIFFSCOPE_SQLITE_LOCK_WAIT_MS the write answers 503 DSC_ERR_STATE_BUSY with Retry-After.
 * When the lock goes, writes succeed again. The same holds for the embedded queue's file: a
 * publish waits off the event loop, then answers 503 DSC_ERR_QUEUE_UNAVAILABLE.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/serving-stack.js';
import { getWithHost, rawRequest, startListeningStack, type ListeningStack } from './net-support.js';

/** A child process that takes the write lock of `file` (a write to `table`) and holds it until told on stdin. */
async function holdWriteLock(file: string, table = 'generations'): Promise<{ child: ChildProcess; release(): Promise<void> }> {
  const script = `
    import Database from 'better-sqlite3';
    import { createInterface } from 'node:readline';
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    db.prepare('UPDATE ' + process.argv[2] + ' SET rowid = rowid WHERE 0').run();
    process.stdout.write('locked\\n');
    for await (const line of createInterface({ input: process.stdin })) {
      if (line === 'release') { db.exec('COMMIT'); db.close(); process.exit(0); }
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, file, table], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
  });
  return {
    child,
    release: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.write('release\n');
      }),
  };
}

describe('state file locked by another process', () => {
  let stack: ListeningStack;
  beforeAll(async () => {
    stack = await startListeningStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const submit = () => {
    const body = JSON.stringify({ prompt: 'a red circle' });
    return rawRequest(
      stack.port,
      ['POST /v1/generations HTTP/1.1', 'host: 127.0.0.1', 'content-type: application/json', `content-length: ${body.length}`],
      body,
    );
  };

  it('keeps answering while a write waits, then answers that write 503 DSC_ERR_STATE_BUSY; writes work again once the lock is gone', async () => {
    const earlier = await submit();
    expect(earlier.status).toBe(202);
    const earlierId = (JSON.parse(earlier.body) as { id: string }).id;

    const lock = await holdWriteLock(path.join(stack.dir, 'state.sqlite'));
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const order: string[] = [];
    const blocked = submit().then((res) => {
      order.push('post');
      return res;
    });
    // Both answered while the write still waits for the lock: the event loop is not frozen.
    const health = await getWithHost(stack.port, '/healthz', '127.0.0.1');
    order.push('healthz');
    const read = await getWithHost(stack.port, `/v1/generations/${earlierId}`, '127.0.0.1');
    order.push('read');
    const res = await blocked;
    loop.disable();
    await lock.release();

    expect(health.status).toBe(200);
    expect(read.status).toBe(200); // WAL: readers are not blocked by a writer
    expect(order).toEqual(['healthz', 'read', 'post']);
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe('DSC_ERR_STATE_BUSY');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    console.log(
      `[sqlite-lock] write answered 503 DSC_ERR_STATE_BUSY; event-loop delay while it waited: max ${(loop.max / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms`,
    );

    expect((await submit()).status).toBe(202);
  });

  it('the queue file locked: the publish waits off the event loop, then 503 DSC_ERR_QUEUE_UNAVAILABLE; the generation ends failed; publishing works again once the lock is gone', async () => {
    const lock = await holdWriteLock(path.join(stack.dir, 'queue.sqlite'), 'queue_messages');
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const order: string[] = [];
    const blocked = submit().then((res) => {
      order.push('post');
      return res;
    });
    const health = await getWithHost(stack.port, '/healthz', '127.0.0.1');
    order.push('healthz');
    const res = await blocked;
    loop.disable();
    await lock.release();

    expect(health.status).toBe(200);
    expect(order).toEqual(['healthz', 'post']);
    console.log(
      `[sqlite-lock] queue publish answered ${res.status}; event-loop delay while it waited: max ${(loop.max / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms`,
    );
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe('DSC_ERR_QUEUE_UNAVAILABLE');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    const refusedId = res.headers['x-request-id'];
    // Refused, so never run: its record ends failed (in the background, once the state write is done).
    await eventually(async () => (await stack.store.get(refusedId))?.status === 'failed');

    const accepted = await submit();
    expect(accepted.status).toBe(202);
  });
});
