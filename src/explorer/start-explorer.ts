/**
 * Wires the explorer together: one store, the OTLP receiver on DIFFSCOPE_OTLP_PORT, the query
 * API + UI on DIFFSCOPE_EXPLORER_PORT, and a periodic retention pass.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.js';
import { ExplorerStore } from './store/explorer-store.js';
import { runRetention } from './store/retention.js';
import { buildOtlpReceiver } from './otlp/receiver.js';
import { buildQueryServer } from './api/query-server.js';
import { assertSafeBind } from './security.js';
import { silentLogger, type ExplorerLogger } from './logger.js';

export interface ExplorerOptions {
  /** Overrides DIFFSCOPE_EXPLORER_DB / `<data dir>/explorer.db`; ':memory:' for tests. */
  dbPath?: string;
  /** Folder of the built UI (default: dist/web of this package). */
  webRoot?: string;
  /** Images are served only from under this folder (default: DIFFSCOPE_OUTPUT_DIR or `<data dir>/outputs`). */
  outputDir?: string;
  retentionIntervalMs?: number;
  flushIntervalMs?: number;
  maxBatchRows?: number;
}

export interface ExplorerHandle {
  readonly store: ExplorerStore;
  readonly otlpUrl: string;
  readonly queryUrl: string;
  readonly otlpPort: number;
  readonly queryPort: number;
  /** Commit records still waiting in the write batch. */
  flush(): void;
  runRetention(nowMs?: number): ReturnType<typeof runRetention>;
  close(): Promise<void>;
}

function urlOf(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${h}:${port}`;
}

export async function startExplorer(config: Config, logger: ExplorerLogger = silentLogger, options: ExplorerOptions = {}): Promise<ExplorerHandle> {
  const host = config.DIFFSCOPE_EXPLORER_HOST;
  const token = config.DIFFSCOPE_EXPLORER_TOKEN;
  assertSafeBind(host, token);
  const dbPath = options.dbPath ?? config.DIFFSCOPE_EXPLORER_DB ?? path.join(config.DIFFSCOPE_DATA_DIR, 'explorer.db');
  const store = new ExplorerStore({ dbPath, flushIntervalMs: options.flushIntervalMs, maxBatchRows: options.maxBatchRows });
  const retention = () =>
    runRetention(store, {
      maxAgeMs: config.DIFFSCOPE_EXPLORER_RETENTION_HOURS * 3600_000,
      maxBytes: config.DIFFSCOPE_EXPLORER_MAX_DB_MB * 1024 * 1024,
    });

  const receiver = buildOtlpReceiver({ store, logger, token, maxBodyBytes: config.DIFFSCOPE_OTLP_MAX_BODY_BYTES });
  const query = buildQueryServer({
    store,
    logger,
    token,
    webRoot: options.webRoot ?? fileURLToPath(new URL('../../dist/web/', import.meta.url)),
    outputDir: options.outputDir ?? config.DIFFSCOPE_OUTPUT_DIR ?? path.join(config.DIFFSCOPE_DATA_DIR, 'outputs'),
  });
  let otlpPort: number;
  let queryPort: number;
  try {
    await receiver.listen({ host, port: config.DIFFSCOPE_OTLP_PORT });
    await query.listen({ host, port: config.DIFFSCOPE_EXPLORER_PORT });
    otlpPort = (receiver.server.address() as { port: number }).port;
    queryPort = (query.server.address() as { port: number }).port;
  } catch (err) {
    await Promise.allSettled([receiver.close(), query.close()]);
    store.close();
    throw err;
  }

  const timer = setInterval(() => {
    try {
      const r = retention();
      if (r.spansDeleted || r.logsDeleted) logger.info('explorer_retention', { spans_deleted: r.spansDeleted, logs_deleted: r.logsDeleted, used_bytes: r.usedBytesAfter });
    } catch (err) {
      logger.error('explorer_retention_failed', { err });
    }
  }, options.retentionIntervalMs ?? 60_000);
  timer.unref();

  const handle: ExplorerHandle = {
    store,
    otlpPort,
    queryPort,
    otlpUrl: urlOf(host, otlpPort),
    queryUrl: urlOf(host, queryPort),
    flush: () => store.flush(),
    runRetention: (nowMs?: number) =>
      runRetention(store, {
        maxAgeMs: config.DIFFSCOPE_EXPLORER_RETENTION_HOURS * 3600_000,
        maxBytes: config.DIFFSCOPE_EXPLORER_MAX_DB_MB * 1024 * 1024,
        nowMs,
      }),
    close: async () => {
      clearInterval(timer);
      await Promise.allSettled([receiver.close(), query.close()]);
      store.close();
    },
  };
  logger.info('explorer_started', { ui: handle.queryUrl, otlp: handle.otlpUrl, db: dbPath });
  return handle;
}
