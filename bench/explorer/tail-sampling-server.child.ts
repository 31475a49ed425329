/** An explorer with tail sampling off or on (argv[3]), driven over IPC by tail-sampling.bench.ts. */
import { loadConfig } from '../../src/config/index.js';
import { startExplorer } from '../../src/explorer/index.js';

const [dbPath, mode] = process.argv.slice(2);
const explorer = await startExplorer(
  loadConfig(
    {},
    {
      DIFFSCOPE_EXPLORER_PORT: '0',
      DIFFSCOPE_OTLP_PORT: '0',
      DIFFSCOPE_OTLP_GRPC_PORT: '0',
      DIFFSCOPE_TAIL_SAMPLING: mode,
      // nothing is decided while the exports are timed: the decision is measured on its own
      DIFFSCOPE_TAIL_SAMPLING_DECISION_WAIT_MS: '3600000',
      DIFFSCOPE_TAIL_SAMPLING_MAX_TRACE_WAIT_MS: '3600000',
      DIFFSCOPE_TAIL_SAMPLING_MAX_TRACES: '1000000',
      DIFFSCOPE_TAIL_SAMPLING_MAX_RECORDS: '10000000',
    },
  ),
  undefined,
  { dbPath },
);
const counts = () => ({ spans: explorer.store.spansWritten, logs: explorer.store.logsWritten });
async function answer(msg: string): Promise<void> {
  if (msg === 'flush') {
    await explorer.flush();
    process.send!(counts());
  } else if (msg === 'decide') {
    await explorer.decideSampling(Date.now() + 24 * 3_600_000);
    process.send!(counts());
  } else if (msg === 'sampling') {
    const res = await fetch(`${explorer.queryUrl}/api/sampling`);
    process.send!(((await res.json()) as { data: unknown }).data);
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
process.send!({ otlpUrl: explorer.otlpUrl });
