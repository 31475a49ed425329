/**
 * The three GenerationStore implementations over fresh storage for one test run: a SQLite
 * file in a temp dir, PostgreSQL tables under a unique prefix (database `test`) and Redis
 * keys under a unique prefix. `open()` twice stands for two replicas (an api-server and a
 * worker, or two workers) on separate connections. `spec` says where the storage is, for a
 * fixture process that opens the same store (test/generation/fixtures).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteGenerationStore } from '../../src/state/index.js';
import { PostgresGenerationStore } from '../../src/state/postgres-generation-store.js';
import { RedisGenerationStore } from '../../src/state/redis-generation-store.js';
import { probeTcp, REDIS_URL } from '../queue/servers.js';
import type { StoreTarget } from '../state/conformance.js';

/** Where a target's storage is, as the fixtures in test/generation/fixtures take it. */
export type StoreSpec = { store: 'sqlite'; file: string } | { store: 'postgres' | 'redis'; url: string; prefix: string };

export type ProcessStoreTarget = StoreTarget & { spec: StoreSpec };

export const TEST_POSTGRES_URL = process.env.DIFFSCOPE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function storeTargets(): Promise<ProcessStoreTarget[]> {
  const run = randomUUID().slice(0, 8);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-generation-'));
  const tablePrefix = `dsc_lifecycle_${run}_`;
  const keyPrefix = `dsc-lifecycle-${run}:`;
  const openPostgres = () => PostgresGenerationStore.connect({ connectionString: TEST_POSTGRES_URL, tablePrefix });
  const openRedis = () => RedisGenerationStore.connect({ url: REDIS_URL, keyPrefix });
  return [
    {
      name: 'sqlite',
      spec: { store: 'sqlite', file: path.join(dir, 'state.sqlite') },
      unavailable: null,
      open: async () => new SqliteGenerationStore({ file: path.join(dir, 'state.sqlite') }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    },
    {
      name: 'postgres',
      spec: { store: 'postgres', url: TEST_POSTGRES_URL, prefix: tablePrefix },
      unavailable: await probeTcp(TEST_POSTGRES_URL, 5432),
      open: openPostgres,
      cleanup: async () => {
        const store = await openPostgres();
        await store.dropTables();
        await store.close();
      },
    },
    {
      name: 'redis',
      spec: { store: 'redis', url: REDIS_URL, prefix: keyPrefix },
      unavailable: await probeTcp(REDIS_URL, 6379),
      open: openRedis,
      cleanup: async () => {
        const store = await openRedis();
        await store.deleteAll();
        await store.close();
      },
    },
  ];
}

/** Under CI every store must run; elsewhere a missing server skips its suite with a warning. */
export function skipUnavailable(target: StoreTarget): boolean {
  if (target.unavailable && process.env.CI === 'true') throw new Error(`${target.name} cannot run under CI: ${target.unavailable}`);
  if (target.unavailable) console.warn(`skipping ${target.name}: ${target.unavailable}`);
  return target.unavailable !== null;
}
