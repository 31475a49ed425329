/** The explorer under test, as a child process driven over IPC by ingest.bench.ts. */
import { loadConfig } from '../../src/config/index.js';
import { startExplorer } from '../../src/explorer/index.js';

const dbPath = process.argv[2];
const explorer = await startExplorer(
  loadConfig({}, { DIFFSCOPE_EXPLORER_PORT: '0', DIFFSCOPE_OTLP_PORT: '0', DIFFSCOPE_OTLP_MAX_BODY_BYTES: String(64 * 1024 * 1024) }),
  undefined,
  { dbPath },
);
process.on('message', async (msg: string) => {
  if (msg === 'flush') {
    await explorer.flush();
    process.send!({ spans: explorer.store.spansWritten, logs: explorer.store.logsWritten, queryUrl: explorer.queryUrl });
  } else if (msg === 'close') {
    await explorer.close();
    process.send!({ closed: true }, () => process.exit(0));
  }
});
process.send!({ otlpUrl: explorer.otlpUrl, queryUrl: explorer.queryUrl });
