/**
 * Wires the explorer together: the ingest threads (decode + write, ingest/), the receivers —
 * OTLP/HTTP (and Zipkin's `POST /api/v2/spans`) on DIFFSCOPE_OTLP_PORT, OTLP/gRPC on
 * DIFFSCOPE_OTLP_GRPC_PORT, all feeding IngestPipeline.submit — the query API + UI on
 * DIFFSCOPE_EXPLORER_PORT reading through its own read-only connection, and a periodic
 * retention pass (run on the write thread).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.js';
import { ExplorerStore } from './store/explorer-store.js';
import type { RetentionResult } from './store/retention.js';
import { buildOtlpReceiver } from './otlp/receiver.js';
import { registerZipkinRoute } from './zipkin/zipkin-route.js';
import { buildOtlpGrpcReceiver, listenOtlpGrpc } from './otlp-grpc/grpc-receiver.js';
import { buildQueryServer } from './api/query-server.js';
import { IngestPipeline } from './ingest/ingest-pipeline.js';
import { DEFAULT_INGEST_LIMITS, DEFAULT_QUERY_LIMITS, type IngestLimits, type QueryLimits } from './limits.js';
import { assertSafeBind } from './security.js';
import { createHostAllowlist, httpTimeoutsFromConfig, parseHostList } from '../http/index.js';
import { silentLogger, type ExplorerLogger } from './logger.js';
import { registerSamplingMetrics, registerSamplingRoutes, tailSamplingOptionsFromConfig } from './sampling/index.js';
import { metricsRegistry } from '../telemetry/index.js';

export interface ExplorerOptions {
  /** Overrides DIFFSCOPE_EXPLORER_DB / `<data dir>/explorer.db`; ':memory:' is a temporary file removed on close. */
  dbPath?: string;
  /** Folder of the built UI (default: dist/web of this package). */
  webRoot?: string;
  /** Images are served only from under this folder (default: DIFFSCOPE_OUTPUT_DIR or `<data dir>/outputs`). */
  outputDir?: string;
  retentionIntervalMs?: number;
  /** Longest the write thread waits for more exports before a commit (default 0: as soon as it is idle). */
  flushIntervalMs?: number;
  ingestLimits?: Partial<IngestLimits>;
  queryLimits?: Partial<QueryLimits>;
  /** How long a write waits for a lock another process holds before the export gets 503 (default 5000). */
  busyTimeoutMs?: number;
  /** Heap of the decode thread in MiB (default 1024); a payload needing more gets 413. */
  decodeHeapMb?: number;
}

export interface ExplorerHandle {
  /** The query side's read-only view of the store. */
  readonly store: ExplorerStore;
  readonly otlpUrl: string;
  readonly queryUrl: string;
  readonly otlpPort: number;
  readonly queryPort: number;
  /** The OTLP/gRPC receiver's port and `http://host:port` (what a gRPC exporter's url takes); undefined when off. */
  readonly otlpGrpcPort: number | undefined;
  readonly otlpGrpcUrl: string | undefined;
  /** Resolves when every export received so far has been answered (and so committed, or refused). */
  flush(): Promise<void>;
  runRetention(nowMs?: number): Promise<RetentionResult>;
  /** Tail sampling: decide now the traces ready at `nowMs` and store the kept ones (the write thread does this on its own timer). */
  decideSampling(nowMs?: number): Promise<void>;
  close(): Promise<void>;
}

function urlOf(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${h}:${port}`;
}

export async function startExplorer(
  config: Config,
  logger: ExplorerLogger = silentLogger,
  options: ExplorerOptions = {},
): Promise<ExplorerHandle> {
  const host = config.DIFFSCOPE_EXPLORER_HOST;
  const token = config.DIFFSCOPE_EXPLORER_TOKEN;
  assertSafeBind(host, token);
  let dbPath = options.dbPath ?? config.DIFFSCOPE_EXPLORER_DB ?? path.join(config.DIFFSCOPE_DATA_DIR, 'explorer.db');
  // Two connections (write thread, query side) must share the file: ':memory:' becomes a temporary one.
  const tempDir = dbPath === ':memory:' ? mkdtempSync(path.join(tmpdir(), 'diffscope-explorer-db-')) : undefined;
  if (tempDir) dbPath = path.join(tempDir, 'explorer.db');
  const removeTemp = () => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  };
  const ingestLimits: IngestLimits = {
    ...DEFAULT_INGEST_LIMITS,
    maxFutureSkewMs: config.DIFFSCOPE_EXPLORER_MAX_FUTURE_SKEW_MS,
    ...options.ingestLimits,
  };
  const queryLimits: QueryLimits = { ...DEFAULT_QUERY_LIMITS, ...options.queryLimits };
  const maxBodyBytes = config.DIFFSCOPE_OTLP_MAX_BODY_BYTES;
  const sampling = tailSamplingOptionsFromConfig(config);

  let ingest: IngestPipeline;
  try {
    ingest = await IngestPipeline.start({
      dbPath,
      limits: ingestLimits,
      maxBodyBytes,
      logger,
      maxInFlightBytes: Math.max(64 * 1024 * 1024, 2 * maxBodyBytes),
      decodeHeapMb: options.decodeHeapMb,
      busyTimeoutMs: options.busyTimeoutMs,
      lingerMs: options.flushIntervalMs,
      sampling,
    });
  } catch (err) {
    removeTemp();
    throw err;
  }
  const store = new ExplorerStore({ dbPath, queryLimits, counters: ingest });
  const retentionLimits = {
    maxAgeMs: config.DIFFSCOPE_EXPLORER_RETENTION_HOURS * 3600_000,
    maxBytes: config.DIFFSCOPE_EXPLORER_MAX_DB_MB * 1024 * 1024,
  };
  const retention = (nowMs = Date.now()) => ingest.runRetention(nowMs, retentionLimits.maxAgeMs, retentionLimits.maxBytes);

  // The UI and the receiver bind the same host: one DNS-rebinding guard and one set of socket deadlines for both.
  const hostAllowlist = createHostAllowlist({ bindHost: host, allowedHosts: parseHostList(config.DIFFSCOPE_ALLOWED_HOSTS) });
  const httpTimeouts = httpTimeoutsFromConfig(config);
  const receiver = buildOtlpReceiver({ ingest, logger, token, maxBodyBytes, hostAllowlist, httpTimeouts });
  registerZipkinRoute(receiver, { ingest, logger });
  const grpcReceiver =
    config.DIFFSCOPE_OTLP_GRPC_PORT === 0
      ? undefined
      : buildOtlpGrpcReceiver({
          ingest,
          logger,
          token,
          maxMessageBytes: maxBodyBytes,
          receiveTimeoutMs: httpTimeouts.requestTimeoutMs,
          idleTimeoutMs: httpTimeouts.idleTimeoutMs,
        });
  const query = buildQueryServer({
    hostAllowlist,
    httpTimeouts,
    store,
    logger,
    token,
    webRoot: options.webRoot ?? fileURLToPath(new URL('../../dist/web/', import.meta.url)),
    outputDir: options.outputDir ?? config.DIFFSCOPE_OUTPUT_DIR ?? path.join(config.DIFFSCOPE_DATA_DIR, 'outputs'),
  });
  registerSamplingRoutes(query, ingest.sampling);
  registerSamplingMetrics(metricsRegistry({ service: 'explorer' }), ingest.sampling);
  let otlpPort: number;
  let queryPort: number;
  let otlpGrpcPort: number | undefined;
  try {
    await receiver.listen({ host, port: config.DIFFSCOPE_OTLP_PORT });
    await query.listen({ host, port: config.DIFFSCOPE_EXPLORER_PORT });
    otlpPort = (receiver.server.address() as { port: number }).port;
    queryPort = (query.server.address() as { port: number }).port;
    if (grpcReceiver) otlpGrpcPort = await listenOtlpGrpc(grpcReceiver, host, config.DIFFSCOPE_OTLP_GRPC_PORT, logger);
  } catch (err) {
    await Promise.allSettled([receiver.close(), query.close(), grpcReceiver?.close(0)]);
    await ingest.close();
    store.close();
    removeTemp();
    throw err;
  }

  const timer = setInterval(() => {
    retention().then(
      (r) => {
        if (r.spansDeleted || r.logsDeleted)
          logger.info('explorer_retention', { spans_deleted: r.spansDeleted, logs_deleted: r.logsDeleted, used_bytes: r.usedBytesAfter });
      },
      (err: unknown) => logger.error('explorer_retention_failed', { err }),
    );
  }, options.retentionIntervalMs ?? 60_000);
  timer.unref();

  const handle: ExplorerHandle = {
    store,
    otlpPort,
    queryPort,
    otlpUrl: urlOf(host, otlpPort),
    queryUrl: urlOf(host, queryPort),
    otlpGrpcPort,
    otlpGrpcUrl: otlpGrpcPort === undefined ? undefined : urlOf(host, otlpGrpcPort),
    flush: () => ingest.flush(),
    runRetention: (nowMs?: number) => retention(nowMs),
    decideSampling: (nowMs?: number) => ingest.decideSampling(nowMs),
    close: async () => {
      clearInterval(timer);
      await Promise.allSettled([receiver.close(), query.close(), grpcReceiver?.close()]);
      // the reader first: the writer, closing last, checkpoints the WAL into the file
      store.close();
      await ingest.close();
      removeTemp();
    },
  };
  logger.info('explorer_started', {
    ui: handle.queryUrl,
    otlp: handle.otlpUrl,
    db: dbPath,
    ...(handle.otlpGrpcUrl ? { otlp_grpc: handle.otlpGrpcUrl } : {}),
  });
  return handle;
}
