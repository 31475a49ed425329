import path from 'node:path';
import type { Config } from '../config/index.js';
import type { GenerationStore } from '../generation/index.js';
import { SqliteGenerationStore } from './sqlite-generation-store.js';

export interface CreateGenerationStoreOptions {
  /** SQLite only: the state file; default `<DIFFSCOPE_DATA_DIR>/state.sqlite`. */
  sqliteFile?: string;
  /** PostgreSQL only: table/channel name prefix. */
  tablePrefix?: string;
  /** Redis only: key prefix, default `diffscope:`. */
  keyPrefix?: string;
}

/** Picks the implementation named by `DIFFSCOPE_STATE`; network stores connect (and migrate) before returning. */
export async function createGenerationStore(config: Config, options: CreateGenerationStoreOptions = {}): Promise<GenerationStore> {
  switch (config.DIFFSCOPE_STATE) {
    case 'sqlite':
      return new SqliteGenerationStore({
        file: options.sqliteFile ?? path.join(config.DIFFSCOPE_DATA_DIR, 'state.sqlite'),
        lockWaitMs: config.DIFFSCOPE_SQLITE_LOCK_WAIT_MS,
      });
    case 'postgres': {
      const { PostgresGenerationStore } = await import('./postgres-generation-store.js');
      return PostgresGenerationStore.connect({
        connectionString: config.DIFFSCOPE_POSTGRES_URL,
        tablePrefix: options.tablePrefix,
        connectTimeoutMs: config.DIFFSCOPE_POSTGRES_CONNECT_TIMEOUT_MS,
        queryTimeoutMs: config.DIFFSCOPE_POSTGRES_QUERY_TIMEOUT_MS,
      });
    }
    case 'redis': {
      const { RedisGenerationStore } = await import('./redis-generation-store.js');
      return RedisGenerationStore.connect({
        url: config.DIFFSCOPE_REDIS_URL,
        keyPrefix: options.keyPrefix,
        commandTimeoutMs: config.DIFFSCOPE_REDIS_COMMAND_TIMEOUT_MS,
        // Finished keys expire with the retention period; 0 keeps them (the sweep removes the images).
        retentionMs: Math.round(config.DIFFSCOPE_RETENTION_HOURS * 3_600_000),
      });
    }
  }
}
