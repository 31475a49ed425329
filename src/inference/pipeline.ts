/**
 * `createInferencePipeline`: the registry, the session cache and one generation per call, with
 * the `model.load` span and the `model_load_*` / `inference_*` log events. The caller (the
 * worker) owns the parent `inference` span; we add model id/version, cache hit, device and
 * peak memory to it. The prompt never reaches a log or span here.
 */
import { performance } from 'node:perf_hooks';
import { asDiffscopeError, DiffscopeError } from '../errors/index.js';
import { ATTR, context, noopLogger, trace, type Context, type Logger } from '../telemetry/index.js';
import type { BatchMemberRequest, BatchRun, BatchingPipeline, GenerateRequest, GenerateResult, ModelInfo } from './types.js';
import { logSkippedModel, ModelRegistry, type ResolvedModel } from './model-registry.js';
import { ModelCache, type CacheLease } from './model-cache.js';
import { loadModel, type LoadedModel } from './loaded-model.js';
import type { SessionRuntimeOptions } from './onnx-session.js';
import type { ExecutionProviderChoice } from './execution-provider.js';
import { resolveRuntimeDevice, type RuntimeDevice } from './runtime-device.js';
import { runGeneration } from './run-generation.js';
import { runBatchRequests } from './batch-requests.js';
import { completeGeneration, modelLogFields, modelSpanAttributes, startMemorySamplers } from './generation-report.js';
import { checkParams, checkSize } from './request-checks.js';
import { StageSpans } from './stage-spans.js';
import { warmUp } from './model-warmup.js';

export interface InferencePipelineOptions {
  /** Folder whose subfolders (each with a `model_index.json`) are the models; id = folder name. */
  modelsDir: string;
  /** Extra models by id → folder (e.g. an optimum export kept elsewhere). */
  modelPaths?: Readonly<Record<string, string>>;
  /** Memory budget of the loaded-model cache (DIFFSCOPE_MODEL_CACHE_MB); default 2048. */
  modelCacheMb?: number;
  session?: SessionRuntimeOptions;
  logger?: Logger;
  /** RSS sampling period during a request; default 25 ms. */
  memorySampleIntervalMs?: number;
  /** DIFFSCOPE_EXECUTION_PROVIDER; when set it decides `session.executionProviders` (`auto` probes WebGPU). */
  executionProvider?: ExecutionProviderChoice;
  /** The nvidia-smi GPU reported as `device` and sampled for GPU memory (DIFFSCOPE_GPU_INDEX). */
  gpuIndex?: number;
  /** nvidia-smi sampling period during a request on a GPU; default 250 ms. */
  gpuSampleIntervalMs?: number;
}

export interface InferencePipelineExt extends BatchingPipeline {
  /** Rescan the models folder (listModels() shows the last scan). */
  refreshModels(): Promise<ModelInfo[]>;
  /** Resolve a model's info (id, content version, sizes) without loading it. */
  describeModel(id: string): Promise<ModelInfo>;
  /** Ids (`id@version`) of the models currently loaded, least recently used first. */
  loadedModels(): string[];
  /**
   * Loads a model into the cache outside any request (`model.load` under the active span,
   * model_load_* lines) and runs its warm-up step (model-warmup.ts), so its first request finds
   * it loaded and warm. Requests for it meanwhile share the load.
   */
  preload(modelId: string): Promise<void>;
}

export async function createInferencePipeline(options: InferencePipelineOptions): Promise<InferencePipelineExt> {
  const runtime = await resolveRuntimeDevice(options, options.logger ?? noopLogger);
  const pipeline = new OnnxInferencePipeline(options, runtime);
  await pipeline.refreshModels();
  return pipeline;
}

class OnnxInferencePipeline implements InferencePipelineExt {
  private readonly registry: ModelRegistry;
  private readonly cache: ModelCache;
  private readonly logger: Logger;
  private readonly session: SessionRuntimeOptions;
  private readonly device: string;
  private readonly onGpu: boolean;
  private readonly memoryIntervalMs: number;
  private readonly gpuIntervalMs: number;
  private closed = false;

  constructor(options: InferencePipelineOptions, runtime: RuntimeDevice) {
    this.logger = options.logger ?? noopLogger;
    this.registry = new ModelRegistry({ modelsDir: options.modelsDir, modelPaths: options.modelPaths });
    this.cache = new ModelCache({
      budgetBytes: (options.modelCacheMb ?? 2048) * 1024 * 1024,
      onEvict: (model) =>
        this.logger.info('model_evicted', { model_id: model.layout.id, model_version: model.version, size_bytes: model.sizeBytes }),
    });
    this.session = runtime.session;
    this.device = runtime.device;
    this.onGpu = runtime.onGpu;
    this.memoryIntervalMs = options.memorySampleIntervalMs ?? 25;
    this.gpuIntervalMs = options.gpuSampleIntervalMs ?? 250;
  }

  listModels(): ModelInfo[] {
    return this.registry.list();
  }

  refreshModels(): Promise<ModelInfo[]> {
    return this.registry.refresh(logSkippedModel(this.logger));
  }

  async describeModel(id: string): Promise<ModelInfo> {
    return (await this.registry.resolve(id)).info;
  }

  loadedModels(): string[] {
    return this.cache.keys();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.cache.clear();
  }

  async preload(modelId: string): Promise<void> {
    if (this.closed) throw new DiffscopeError('DSC_ERR_INFER_FAILED', 'inference pipeline is closed');
    const resolved = await this.registry.resolve(modelId);
    const lease = await this.cache.acquire(`${resolved.info.id}@${resolved.version}`, () => this.load(resolved));
    try {
      await warmUp(lease.model, resolved.info);
    } finally {
      lease.release();
    }
  }

  /** Compatible requests (batch-key.ts) as one UNet batch; see batch-requests.ts. */
  generateBatch(members: BatchMemberRequest[]): BatchRun {
    return runBatchRequests(members, {
      closed: this.closed,
      registry: this.registry,
      logger: this.logger,
      device: this.device,
      onGpu: this.onGpu,
      memoryIntervalMs: this.memoryIntervalMs,
      gpuIntervalMs: this.gpuIntervalMs,
      acquire: (resolved, memberContexts) =>
        this.cache.acquire(`${resolved.info.id}@${resolved.version}`, () => this.load(resolved, memberContexts)),
    });
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    if (this.closed) throw new DiffscopeError('DSC_ERR_INFER_FAILED', 'inference pipeline is closed');
    const started = performance.now();
    const params = request.params;
    checkParams(params);
    const resolved = await this.registry.resolve(params.model);
    checkSize(params, resolved.info);
    const activeSpan = trace.getActiveSpan();
    const fields = modelLogFields(params, resolved, this.device);
    activeSpan?.setAttributes(modelSpanAttributes(resolved, this.device));

    const { memory, gpuMemory } = startMemorySamplers(this.onGpu, this.memoryIntervalMs, this.gpuIntervalMs);
    let lease: CacheLease | undefined;
    try {
      const loadStart = performance.now();
      lease = await this.cache.acquire(`${resolved.info.id}@${resolved.version}`, () => this.load(resolved));
      const modelLoadMs = lease.hit ? 0 : performance.now() - loadStart;
      activeSpan?.setAttribute(ATTR.DIFFUSION_CACHE_HIT, lease.hit);
      activeSpan?.setAttribute(ATTR.DIFFUSION_COLD_START, !lease.hit);
      checkSize(params, resolved.info, lease.model);

      this.logger.info('inference_start', { ...fields, cache_hit: lease.hit });
      const out = await runGeneration(lease.model, request, { logger: this.logger, memory });
      const peakMemoryMb = Math.round(memory.stop() / (1024 * 1024));
      const peakGpuMemoryMb = await gpuMemory?.stop();
      const { logFields, result } = completeGeneration(
        {
          resolved,
          device: this.device,
          cacheHit: lease.hit,
          prompt: request.prompt,
          output: out,
          modelLoadMs,
          totalMs: performance.now() - started,
          peakMemoryMb,
          peakGpuMemoryMb,
        },
        activeSpan,
      );
      this.logger.info('inference_complete', { ...fields, ...logFields });
      return result;
    } catch (err) {
      memory.stop();
      void gpuMemory?.stop();
      const error = asDiffscopeError(err, 'DSC_ERR_INFER_FAILED');
      if (error.code === 'DSC_ERR_INFER_CANCELED') this.logger.info('inference_canceled', fields);
      else this.logger.error('inference_failed', { ...fields, code: error.code, err: error });
      throw error;
    } finally {
      lease?.release();
    }
  }

  /** `model.load` under the active span; in a batch also copied under each member (stage-spans.ts). */
  private async load(resolved: ResolvedModel, memberContexts: readonly Context[] = []): Promise<LoadedModel> {
    const fields = {
      model_id: resolved.info.id,
      model_version: resolved.version,
      size_bytes: resolved.layout.onnxBytes,
      device: this.device,
    };
    const attributes = modelSpanAttributes(resolved, this.device);
    const copies = memberContexts.map((ctx, i) => ({ member: { i }, context: ctx }));
    const stage = new StageSpans('model.load', attributes, context.active(), copies, copies.length || undefined);
    return stage.run(async () => {
      const start = performance.now();
      this.logger.info('model_load_start', fields);
      try {
        const model = await loadModel(resolved.layout, resolved.version, this.session);
        this.logger.info('model_load_complete', { ...fields, duration_ms: Math.round(performance.now() - start) });
        return model;
      } catch (err) {
        this.logger.error('model_load_failed', { ...fields, duration_ms: Math.round(performance.now() - start), err });
        throw err;
      }
    });
  }
}
