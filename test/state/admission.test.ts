/**
 * Admission quotas (issue 9, item 11) on the three stores: counting and inserting are one
 * atomic step, so many concurrent submissions from one client — over several connections, or
 * several processes for SQLite — admit exactly as many as the quota allows, and the global
 * queue-depth limit holds the same way. Moving a generation on (start, requeue, finish) frees
 * or takes the slots it should.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moves, type Admission, type AdmissionQuota, type GenerationStore } from '../../src/generation/index.js';
import { SqliteGenerationStore } from '../../src/state/index.js';
import { skipUnavailable, storeTargets } from '../generation/store-targets.js';
import { record } from './conformance.js';

const targets = await storeTargets();
const WIDE: AdmissionQuota = { maxQueued: 1_000, maxQueuedPerClient: 1_000, maxActivePerClient: 1_000 };

for (const target of targets) {
  describe.skipIf(skipUnavailable(target))(`admission on ${target.name}`, () => {
    let replicas: GenerationStore[] = [];
    beforeAll(async () => {
      replicas = await Promise.all(Array.from({ length: 4 }, () => target.open()));
    });
    afterAll(async () => {
      await Promise.all(replicas.map((s) => s.close()));
      await target.cleanup();
    });

    const client = (name: string) => `${name}-${target.name}-${Math.random().toString(36).slice(2, 8)}`;

    it('60 concurrent submissions from one client over 4 connections admit exactly its quota', async () => {
      const alice = client('alice');
      const quota = { ...WIDE, maxQueuedPerClient: 5 };
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => replicas[i % replicas.length].createWithinQuota(record({ clientId: alice }), quota)),
      );
      const admitted = results.filter((r) => r.admitted);
      expect(admitted).toHaveLength(5);
      for (const r of results.filter((x): x is Extract<Admission, { admitted: false }> => !x.admitted)) {
        expect(r).toEqual({ admitted: false, scope: 'client_queued', limit: 5, count: 5 });
      }
      // Another client is not held back by alice's quota.
      expect((await replicas[0].createWithinQuota(record({ clientId: client('bob') }), quota)).admitted).toBe(true);
    });

    it('the global queue-depth limit holds under concurrent submissions from many clients', async () => {
      const fresh = await target.open();
      // Count what earlier cases left queued, then allow 7 more.
      const probe = await fresh.createWithinQuota(record({ clientId: client('probe') }), { ...WIDE, maxQueued: 0 });
      expect(probe.admitted).toBe(false);
      const already = (probe as Extract<Admission, { admitted: false }>).count;
      const quota = { ...WIDE, maxQueued: already + 7 };
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => replicas[i % replicas.length].createWithinQuota(record({ clientId: client(`c${i}`) }), quota)),
      );
      expect(results.filter((r) => r.admitted)).toHaveLength(7);
      expect(results.filter((r) => !r.admitted).every((r) => !r.admitted && r.scope === 'queue' && r.count === already + 7)).toBe(true);
      await fresh.close();
    });

    it('start, requeue and finish move a generation between the counted slots', async () => {
      const carol = client('carol');
      const store = replicas[0];
      const quota: AdmissionQuota = { ...WIDE, maxQueuedPerClient: 2, maxActivePerClient: 3 };
      const a = record({ clientId: carol });
      const b = record({ clientId: carol });
      expect((await store.createWithinQuota(a, quota)).admitted).toBe(true);
      expect((await store.createWithinQuota(b, quota)).admitted).toBe(true);
      expect(await store.createWithinQuota(record({ clientId: carol }), quota)).toMatchObject({
        admitted: false,
        scope: 'client_queued',
        count: 2,
      });

      const startedAt = Date.now();
      expect(await replicas[1].transition(a.id, moves.start(), { startedAt })).not.toBeNull();
      // a is running: one queued slot free, three active in all after this one.
      expect((await store.createWithinQuota(record({ clientId: carol }), quota)).admitted).toBe(true);
      expect(await store.createWithinQuota(record({ clientId: carol }), quota)).toMatchObject({ admitted: false, scope: 'client_queued' });

      expect(await replicas[2].transition(a.id, moves.requeue(startedAt))).not.toBeNull();
      expect(await store.createWithinQuota(record({ clientId: carol }), { ...quota, maxQueuedPerClient: 10 })).toMatchObject({
        admitted: false,
        scope: 'client_active',
        count: 3,
      });

      expect(await replicas[3].transition(a.id, moves.finish('canceled'))).not.toBeNull();
      expect(await replicas[3].transition(b.id, moves.finish('failed'))).not.toBeNull();
      expect((await store.createWithinQuota(record({ clientId: carol }), quota)).admitted).toBe(true);
    });
  });
}

describe('SQLite admission across processes', () => {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-admission-mp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function runChild(args: string[]): Promise<{ admitted: number }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/state/fixtures/admit.ts'), ...args], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`child exited ${code}: ${err}`))));
    });
  }

  it('three processes submitting 20 each for one client admit exactly its quota', async () => {
    const file = path.join(dir, 'state.sqlite');
    await new SqliteGenerationStore({ file }).close(); // create the schema before the race
    const quota = JSON.stringify({ ...WIDE, maxQueuedPerClient: 7 });
    const startAt = String(Date.now() + 4_000);
    const results = await Promise.all(['p1', 'p2', 'p3'].map(() => runChild([file, 'dave', '20', startAt, quota])));
    expect(results.reduce((n, r) => n + r.admitted, 0)).toBe(7);
  });
});
