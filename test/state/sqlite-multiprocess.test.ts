import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteGenerationStore, type GenerationEvent } from '../../src/state/index.js';
import { waitFor } from '../queue/conformance.js';
import { record } from './conformance.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-state-mp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runChild(args: string[]): Promise<{ won: boolean; seqs: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/state/fixtures/race-finish.ts'), ...args], {
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

describe('SqliteGenerationStore shared by several processes', () => {
  it('lets exactly one process finish, numbers every process’s events without gaps, and fans them out', async () => {
    const file = path.join(dir, 'state.sqlite');
    const store = new SqliteGenerationStore({ file });
    const r = record({ status: 'running' });
    await store.create(r);
    const live: GenerationEvent[] = [];
    const unsubscribe = await store.subscribe(r.id, (e) => live.push(e));
    const startAt = String(Date.now() + 4_000);
    const results = await Promise.all(['p1', 'p2', 'p3'].map((label) => runChild([file, r.id, startAt, label])));
    expect(results.filter((x) => x.won)).toHaveLength(1);
    const seqs = results.flatMap((x) => x.seqs).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await waitFor(() => live.length === 30, 'all 30 events through the polling fan-out');
    expect(live.map((e) => e.seq)).toEqual(seqs);
    const final = await store.get(r.id);
    expect(final?.status).toBe('succeeded');
    expect(final?.outputs).toHaveLength(1);
    await unsubscribe();
    await store.close();
  });
});
