import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createGenerationStore } from '../../src/state/index.js';
import type { PostgresGenerationStore } from '../../src/state/postgres-generation-store.js';
import { POSTGRES_URL, probeTcp, REDIS_URL } from '../queue/servers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-state-factory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pgDown = await probeTcp(POSTGRES_URL, 5432);
const redisDown = await probeTcp(REDIS_URL, 6379);

describe('createGenerationStore', () => {
  it('defaults to SQLite in the data dir', async () => {
    const store = await createGenerationStore(loadConfig({ DIFFSCOPE_DATA_DIR: dir }));
    expect(store.kind).toBe('sqlite');
    expect(existsSync(path.join(dir, 'state.sqlite'))).toBe(true);
    await store.close();
  });

  it.skipIf(pgDown !== null && process.env.CI !== 'true')(
    'picks PostgreSQL for DIFFSCOPE_STATE=postgres and creates its tables',
    async () => {
      const tablePrefix = `dsc_test_${randomUUID().slice(0, 8)}_`;
      const store = await createGenerationStore(loadConfig({ DIFFSCOPE_STATE: 'postgres', DIFFSCOPE_POSTGRES_URL: POSTGRES_URL }), {
        tablePrefix,
      });
      expect(store.kind).toBe('postgres');
      expect(await store.get('nothing')).toBeNull();
      await (store as PostgresGenerationStore).dropTables();
      await store.close();
    },
  );

  it.skipIf(redisDown !== null && process.env.CI !== 'true')('picks Redis for DIFFSCOPE_STATE=redis', async () => {
    const store = await createGenerationStore(loadConfig({ DIFFSCOPE_STATE: 'redis', DIFFSCOPE_REDIS_URL: REDIS_URL }), {
      keyPrefix: `dsc-test-${randomUUID().slice(0, 8)}:`,
    });
    expect(store.kind).toBe('redis');
    expect(await store.get('nothing')).toBeNull();
    await store.close();
  });
});
