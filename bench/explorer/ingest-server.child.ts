/** The explorer under test, as a child process driven over IPC by ingest.bench.ts (OTLP/HTTP and OTLP/gRPC receivers on). */
import { createServer } from 'node:net';
import { loadConfig } from '../../src/config/index.js';
import { startExplorer } from '../../src/explorer/index.js';

/** A port free now (DIFFSCOPE_OTLP_GRPC_PORT=0 means off, not "any port"). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const dbPath = process.argv[2];
const explorer = await startExplorer(
  loadConfig(
    {},
    {
      DIFFSCOPE_EXPLORER_PORT: '0',
      DIFFSCOPE_OTLP_PORT: '0',
      DIFFSCOPE_OTLP_GRPC_PORT: String(await freePort()),
      DIFFSCOPE_OTLP_MAX_BODY_BYTES: String(64 * 1024 * 1024),
    },
  ),
  undefined,
  { dbPath },
);
async function answer(msg: string): Promise<void> {
  if (msg === 'flush') {
    await explorer.flush();
    process.send!({ spans: explorer.store.spansWritten, logs: explorer.store.logsWritten, queryUrl: explorer.queryUrl });
  } else if (msg === 'close') {
    await explorer.close();
    process.send!({ closed: true }, () => process.exit(0));
  }
}
process.on('message', (msg: string) => {
  answer(msg).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
process.send!({ otlpUrl: explorer.otlpUrl, otlpGrpcPort: explorer.otlpGrpcPort, queryUrl: explorer.queryUrl });
