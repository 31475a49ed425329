// Child process of api-throughput.bench.ts: the built api-server (dist/) with the embedded
// SQLite queue and state, started like the real service. Telemetry on/off is decided by the
// environment (node --import dist/telemetry/register.js + OTEL_* vs OTEL_SDK_DISABLED=true).
// A no-op consumer keeps the queue short so both variants see the same queue size, and the
// parent marks the records finished from its own process (as a worker would from its own), so
// admission counts stay small. JSON log lines go to stdout as in production (the parent
// discards them). Reports its port and state file over IPC.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = new URL('../../../dist/', import.meta.url);
const { buildApiServer } = await import(new URL('api/index.js', dist));
const { loadConfig } = await import(new URL('config/index.js', dist));
const { SqliteQueueBackend } = await import(new URL('queue/index.js', dist));
const { SqliteGenerationStore } = await import(new URL('state/index.js', dist));
const { createLogger, shutdownTelemetry } = await import(new URL('telemetry/index.js', dist));

const dir = mkdtempSync(join(tmpdir(), 'diffscope-bench-api-'));
const config = loadConfig(
  {},
  {
    DIFFSCOPE_DATA_DIR: dir,
    DIFFSCOPE_DEFAULT_MODEL: 'shapes-v1',
    DIFFSCOPE_MAX_QUEUE_DEPTH: '1000000',
    // One anonymous client sends everything: its quotas must not refuse the load.
    DIFFSCOPE_CLIENT_MAX_QUEUED: '1000000',
    DIFFSCOPE_CLIENT_MAX_ACTIVE: '1000000',
    DIFFSCOPE_PROMPT_HASH_SECRET: 'bench-prompt-hash-secret-0123456789',
  },
);
const queue = new SqliteQueueBackend({ file: join(dir, 'queue.sqlite') });
const store = new SqliteGenerationStore({ file: join(dir, 'state.sqlite') });
const models = [
  {
    id: 'shapes-v1',
    version: 'bench',
    path: dir,
    kind: 'pixel',
    defaultWidth: 32,
    defaultHeight: 32,
    sizes: { min: 32, max: 32, multipleOf: 1 },
  },
];
const logger = createLogger({ service: 'api-server' });
const app = await buildApiServer({ config, logger, queue, store, models });
const drain = await queue.consume(config.DIFFSCOPE_QUEUE_NAME, async () => {}, {
  concurrency: 256,
  maxAttempts: 1,
  backoffMs: 1,
  maxBackoffMs: 1,
});
await app.listen({ port: 0, host: '127.0.0.1' });
process.send({ port: app.server.address().port, stateFile: join(dir, 'state.sqlite') });
process.on('message', async (msg) => {
  if (msg === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ cpuMicros: user + system });
    return;
  }
  if (msg !== 'stop') return;
  await app.close();
  await drain.close({ drain: false });
  await queue.close();
  await store.close();
  await shutdownTelemetry();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
