/**
 * The device a pipeline runs on, decided once when it is created: the execution provider
 * (DIFFSCOPE_EXECUTION_PROVIDER, with `auto` resolved and the choice logged) and the `device`
 * string every log line and span carries — `cpu`, or the GPU as nvidia-smi names it
 * (`gpu:0 NVIDIA H200`), or the provider's name when nvidia-smi is not there to ask.
 */
import type { Logger } from '../telemetry/index.js';
import { chooseExecutionProvider, type ExecutionProviderChoice } from './execution-provider.js';
import { gpuDeviceName } from './gpu/nvidia-smi.js';
import type { SessionRuntimeOptions } from './onnx-session.js';

export interface RuntimeDevice {
  session: SessionRuntimeOptions;
  device: string;
  /** Sample GPU memory (nvidia-smi) during requests. */
  onGpu: boolean;
}

export interface RuntimeDeviceOptions {
  session?: SessionRuntimeOptions;
  /** When set, decides `session.executionProviders` (auto is probed). */
  executionProvider?: ExecutionProviderChoice;
  gpuIndex?: number;
}

export async function resolveRuntimeDevice(options: RuntimeDeviceOptions, logger: Logger): Promise<RuntimeDevice> {
  let session = options.session ?? {};
  if (options.executionProvider !== undefined) {
    const choice = await chooseExecutionProvider(options.executionProvider, session);
    session = { ...session, executionProviders: [choice.provider] };
    const device = await describeDevice(choice.provider, options.gpuIndex ?? 0);
    // `cpu` was asked for and is what runs: nothing to explain.
    if (options.executionProvider !== 'cpu') {
      logger.info('execution_provider_selected', {
        requested: options.executionProvider,
        provider: choice.provider,
        device,
        reason: choice.reason,
      });
    }
    return { session, device, onGpu: choice.provider !== 'cpu' };
  }
  const provider = session.executionProviders?.[0] ?? 'cpu';
  return { session, device: await describeDevice(provider, options.gpuIndex ?? 0), onGpu: provider !== 'cpu' };
}

async function describeDevice(provider: string, gpuIndex: number): Promise<string> {
  if (provider === 'cpu') return 'cpu';
  return (await gpuDeviceName(gpuIndex)) ?? provider;
}
