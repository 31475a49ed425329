/**
 * Which ONNX Runtime execution provider the pipeline runs on, decided once at start.
 *
 * `webgpu` (onnxruntime-node's bundled provider, Dawn over Vulkan on Linux) needs two things the
 * npm package does not bring: the Vulkan loader (`libvulkan.so.1`, Debian's `libvulkan1`) and a
 * GPU adapter (the driver's Vulkan ICD). Both are checked here so a missing one is named in the
 * error instead of surfacing as a failed first request: the loader by asking the dynamic linker
 * for it (process.dlopen with the bare soname searches exactly where Dawn's dlopen will), the
 * adapter by opening a one-node session on WebGPU. `webgpu` never falls back silently; `auto`
 * falls back to CPU and says why.
 */
import { DiffscopeError } from '../errors/index.js';
import { DataType, encodeModel, node, valueInfo } from './onnx-proto/onnx-builder.js';
import { ort, type ExecutionProvider, type SessionRuntimeOptions } from './onnx-session.js';

export type ExecutionProviderChoice = ExecutionProvider | 'auto';

export interface ProviderChoice {
  provider: ExecutionProvider;
  /** Why, in words (logged as `execution_provider_selected`). */
  reason: string;
}

const VULKAN_LOADER = 'libvulkan.so.1';

/** undefined when the loader can be loaded, else the linker's message. */
export function vulkanLoaderProblem(soname = VULKAN_LOADER): string | undefined {
  if (process.platform !== 'linux') return undefined; // Dawn uses Metal / D3D12 there.
  try {
    process.dlopen({ exports: {} }, soname);
    return undefined;
  } catch (err) {
    const message = (err as Error).message;
    // Loaded fine, just not a Node addon: the loader is there.
    if (/did not self-register|Module did not/i.test(message)) return undefined;
    return message;
  }
}

let probeModel: Uint8Array | undefined;

/** One Identity node: enough for the provider to create its device. */
function identityModel(): Uint8Array {
  probeModel ??= encodeModel({
    name: 'webgpu_probe',
    nodes: [node('Identity', ['x'], ['y'])],
    initializers: [],
    inputs: [valueInfo('x', DataType.FLOAT, [1])],
    outputs: [valueInfo('y', DataType.FLOAT, [1])],
  });
  return probeModel;
}

/** undefined when a WebGPU session opens, else why not (ORT's message). */
export async function webgpuAdapterProblem(options: SessionRuntimeOptions = {}): Promise<string | undefined> {
  try {
    const session = await ort.InferenceSession.create(identityModel(), { executionProviders: [{ name: 'webgpu', ...options.webgpu }] });
    await session.release();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function webgpuError(what: string, detail: string, hint: string): DiffscopeError {
  return new DiffscopeError('DSC_ERR_CONFIG_INVALID', `DIFFSCOPE_EXECUTION_PROVIDER=webgpu: ${what} (${detail.trim()}). ${hint}`);
}

/** Checks the WebGPU prerequisites; throws naming the missing piece. */
export async function checkWebGpu(options: SessionRuntimeOptions = {}, soname = VULKAN_LOADER): Promise<void> {
  const loader = vulkanLoaderProblem(soname);
  if (loader !== undefined) {
    throw webgpuError(
      `the Vulkan loader ${soname} is not installed`,
      loader,
      "Install it (Debian/Ubuntu: libvulkan1) and the GPU driver's Vulkan ICD; see docs/inference.md, 'GPU hosts'.",
    );
  }
  const adapter = await webgpuAdapterProblem(options);
  if (adapter !== undefined) {
    const noAdapter = /adapter/i.test(adapter);
    throw webgpuError(
      noAdapter
        ? 'no GPU adapter found (the Vulkan loader is present but no driver offers a device)'
        : 'the WebGPU provider could not start',
      adapter.split('\n')[0].replace(/^.*?(Failed to get)/, '$1'),
      "Check that the GPU driver's Vulkan ICD is installed and visible (VK_DRIVER_FILES, `vulkaninfo --summary`); see docs/inference.md, 'GPU hosts'.",
    );
  }
}

export async function chooseExecutionProvider(
  choice: ExecutionProviderChoice,
  options: SessionRuntimeOptions = {},
): Promise<ProviderChoice> {
  if (choice === 'cpu' || choice === 'cuda') return { provider: choice, reason: 'configured' };
  if (choice === 'webgpu') {
    await checkWebGpu(options);
    return { provider: 'webgpu', reason: 'configured; WebGPU adapter found' };
  }
  try {
    await checkWebGpu(options);
    return { provider: 'webgpu', reason: 'auto: WebGPU adapter found' };
  } catch (err) {
    return { provider: 'cpu', reason: `auto: ${(err as Error).message.replace('DIFFSCOPE_EXECUTION_PROVIDER=webgpu: ', '')}` };
  }
}
