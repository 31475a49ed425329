/**
 * The only file that creates ONNX Runtime sessions: options mapping, load-error translation and
 * input/output metadata checks (names, dtypes, fixed dims), so a wrong file fails at load with a
 * message naming the file and the input, not deep inside a step.
 */
import * as ort from 'onnxruntime-node';
import { DiffscopeError } from '../errors/index.js';

export type ExecutionProvider = 'cpu' | 'webgpu' | 'cuda';
export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionRuntimeOptions {
  /** 0 = ONNX Runtime's default (one per physical core). */
  intraOpNumThreads?: number;
  graphOptimizationLevel?: GraphOptimizationLevel;
  executionProviders?: readonly ExecutionProvider[];
  /** Options of the WebGPU provider when it is in `executionProviders`. */
  webgpu?: { preferredLayout?: 'NCHW' | 'NHWC'; validationMode?: 'disabled' | 'wgpuOnly' | 'basic' | 'full' };
}

function providerOption(name: ExecutionProvider, options: SessionRuntimeOptions): ort.InferenceSession.ExecutionProviderConfig {
  if (name === 'webgpu') return { name: 'webgpu', ...options.webgpu };
  return name;
}

export type Dim = number | string;

export interface TensorSpec {
  name: string;
  type: string;
  shape: readonly Dim[];
}

export async function openSession(path: string, what: string, options: SessionRuntimeOptions): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: (options.executionProviders ?? ['cpu']).map((name) => providerOption(name, options)),
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    // Arena + memory patterns: steady-state steps reuse the same buffers instead of allocating.
    enableCpuMemArena: true,
    enableMemPattern: true,
    executionMode: 'sequential',
  };
  if (options.intraOpNumThreads && options.intraOpNumThreads > 0) sessionOptions.intraOpNumThreads = options.intraOpNumThreads;
  try {
    return await ort.InferenceSession.create(path, sessionOptions);
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (/ExecutionProvider|providers_shared|provider_bridge|WebGPU/i.test(message)) {
      // The model is fine; the runtime lacks the provider. onnxruntime-node has the CUDA provider
      // only once its install script fetched it, which package.json's allowScripts does not let
      // npm run: docs/inference.md ("GPU hosts") gives the command.
      throw new DiffscopeError(
        'DSC_ERR_CONFIG_INVALID',
        `execution provider ${JSON.stringify(options.executionProviders ?? ['cpu'])} is not available in this onnxruntime-node install or on this machine: ${message}`,
        { cause: err },
      );
    }
    throw new DiffscopeError('DSC_ERR_MODEL_INVALID', `${what} (${path}) could not be loaded by ONNX Runtime: ${message}`, { cause: err });
  }
}

function specs(list: readonly ort.InferenceSession.ValueMetadata[]): Map<string, TensorSpec> {
  const out = new Map<string, TensorSpec>();
  for (const meta of list) {
    if (meta.isTensor) out.set(meta.name, { name: meta.name, type: meta.type, shape: meta.shape });
    else out.set(meta.name, { name: meta.name, type: 'non-tensor', shape: [] });
  }
  return out;
}

export function inputSpec(session: ort.InferenceSession, name: string, what: string, types: readonly string[]): TensorSpec {
  return pick(specs(session.inputMetadata), name, what, 'input', types);
}

export function outputSpec(session: ort.InferenceSession, name: string, what: string, types: readonly string[]): TensorSpec {
  return pick(specs(session.outputMetadata), name, what, 'output', types);
}

function pick(all: Map<string, TensorSpec>, name: string, what: string, kind: string, types: readonly string[]): TensorSpec {
  const spec = all.get(name);
  if (!spec) {
    throw new DiffscopeError(
      'DSC_ERR_MODEL_SHAPE_MISMATCH',
      `${what} has no ${kind} '${name}' (it has: ${[...all.keys()].join(', ') || 'none'})`,
    );
  }
  if (!types.includes(spec.type)) {
    throw new DiffscopeError(
      'DSC_ERR_MODEL_SHAPE_MISMATCH',
      `${what} ${kind} '${name}' has type ${spec.type}; supported: ${types.join(', ')}`,
    );
  }
  return spec;
}

/** The dim when the export fixed it, else undefined (symbolic or unknown). */
export function fixedDim(spec: TensorSpec, index: number): number | undefined {
  const dim = spec.shape[index];
  return typeof dim === 'number' && dim > 0 ? dim : undefined;
}

export function expectRank(spec: TensorSpec, rank: number, what: string): void {
  if (spec.shape.length !== 0 && spec.shape.length !== rank) {
    throw new DiffscopeError(
      'DSC_ERR_MODEL_SHAPE_MISMATCH',
      `${what} '${spec.name}' has rank ${spec.shape.length} [${spec.shape.join(', ')}], expected ${rank}`,
    );
  }
}

export function mismatch(message: string): DiffscopeError {
  return new DiffscopeError('DSC_ERR_MODEL_SHAPE_MISMATCH', message);
}

export { ort };
