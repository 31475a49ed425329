import type { Config } from '../../config/index.js';
import { startExplorer } from '../../explorer/index.js';
import { startServiceRuntime } from './service-runtime.js';

/** `diffscope explorer`: OTLP receiver, store, Jaeger-compatible API and UI. */
export async function runExplorer(config: Config): Promise<void> {
  const runtime = startServiceRuntime(config, 'explorer');
  const explorer = await startExplorer(config, runtime.logger);
  runtime.onShutdown(() => explorer.close());
}
