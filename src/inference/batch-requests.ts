/**
 * generateBatch() of the pipeline: several compatible requests (batch-key.ts) as one UNet batch.
 * Everything a request alone gets from generate() each member gets here, in its own context (so
 * with its own trace id and request id): the model id/version/device and cache attributes on its
 * `inference` span, `inference_start`, then `inference_complete` / `inference_canceled` /
 * `inference_failed`, its own timings and result. A member with bad parameters is refused alone;
 * the others run. The batch's shared work (model load, text encoding, sampling, decode) is
 * recorded under the context active at the call (the worker's `batch` span) and copied under
 * each member (stage-spans.ts).
 */
import { performance } from 'node:perf_hooks';
import { asDiffscopeError, DiffscopeError } from '../errors/index.js';
import { ATTR, context, trace, type Context, type Logger } from '../telemetry/index.js';
import type { BatchMemberRequest, BatchRun, GenerateResult } from './types.js';
import { batchKey } from './batch-key.js';
import type { ModelRegistry, ResolvedModel } from './model-registry.js';
import type { CacheLease } from './model-cache.js';
import { checkParams, checkSize } from './request-checks.js';
import { runBatch, type MemberOutcome } from './run-batch.js';
import { completeGeneration, modelLogFields, modelSpanAttributes, startMemorySamplers } from './generation-report.js';

export interface BatchRequestsDeps {
  closed: boolean;
  registry: ModelRegistry;
  logger: Logger;
  device: string;
  onGpu: boolean;
  memoryIntervalMs: number;
  gpuIntervalMs: number;
  /** The model from the cache, loading it (with `model.load` copied under these contexts) on a miss. */
  acquire(resolved: ResolvedModel, memberContexts: readonly Context[]): Promise<CacheLease>;
}

interface Pending {
  request: BatchMemberRequest;
  resolve(result: GenerateResult): void;
  reject(err: unknown): void;
  settled: boolean;
}

export function runBatchRequests(requests: BatchMemberRequest[], deps: BatchRequestsDeps): BatchRun {
  const pending: Pending[] = [];
  const results = requests.map(
    (request) =>
      new Promise<GenerateResult>((resolve, reject) => {
        pending.push({ request, resolve, reject, settled: false });
      }),
  );
  const batchContext = context.active();
  const done = run(pending, deps, batchContext).catch((err: unknown) => {
    // Whatever escaped (a bug, not a member's failure): every member still waiting fails with it.
    const error = asDiffscopeError(err, 'DSC_ERR_INFER_FAILED');
    for (const p of pending) if (!p.settled) reject(p, error);
  });
  return { results, done };
}

function reject(p: Pending, err: unknown): void {
  p.settled = true;
  p.reject(err);
}

async function run(pending: Pending[], deps: BatchRequestsDeps, batchContext: Context): Promise<void> {
  const { logger, device } = deps;
  const started = performance.now();
  if (deps.closed) {
    for (const p of pending) reject(p, new DiffscopeError('DSC_ERR_INFER_FAILED', 'inference pipeline is closed'));
    return;
  }
  // A member with bad parameters is refused alone; so is one that cannot share the first's batch.
  const members: Pending[] = [];
  for (const p of pending) {
    try {
      checkParams(p.request.params);
      if (members.length > 0 && batchKey(p.request.params) !== batchKey(members[0].request.params)) {
        throw new DiffscopeError(
          'DSC_ERR_INFER_BAD_PARAMS',
          'this request cannot share the batch: model, size, sampler, steps or guidance differ',
        );
      }
      members.push(p);
    } catch (err) {
      reject(p, err);
    }
  }
  if (members.length === 0) return;
  const params = members[0].request.params;
  let resolved: ResolvedModel;
  try {
    resolved = await deps.registry.resolve(params.model);
    checkSize(params, resolved.info);
  } catch (err) {
    for (const p of members) reject(p, err);
    return;
  }
  const spanAttributes = modelSpanAttributes(resolved, device);
  trace.getActiveSpan()?.setAttributes(spanAttributes);
  for (const p of members) trace.getSpan(p.request.context)?.setAttributes(spanAttributes);
  const fieldsOf = (p: Pending) => modelLogFields(p.request.params, resolved, device);
  const inMember = (p: Pending, fn: () => void) => context.with(p.request.context, fn);

  const { memory, gpuMemory } = startMemorySamplers(deps.onGpu, deps.memoryIntervalMs, deps.gpuIntervalMs);
  let lease: CacheLease | undefined;
  try {
    const loadStart = performance.now();
    try {
      lease = await deps.acquire(
        resolved,
        members.map((p) => p.request.context),
      );
      checkSize(params, resolved.info, lease.model);
    } catch (err) {
      const error = asDiffscopeError(err, 'DSC_ERR_INFER_FAILED');
      for (const p of members) {
        inMember(p, () => logger.error('inference_failed', { ...fieldsOf(p), code: error.code, err: error }));
        reject(p, error);
      }
      return;
    }
    const hit = lease.hit;
    const modelLoadMs = hit ? 0 : performance.now() - loadStart;
    trace.getActiveSpan()?.setAttributes({ [ATTR.DIFFUSION_CACHE_HIT]: hit, [ATTR.DIFFUSION_COLD_START]: !hit });
    for (const p of members) {
      trace.getSpan(p.request.context)?.setAttributes({ [ATTR.DIFFUSION_CACHE_HIT]: hit, [ATTR.DIFFUSION_COLD_START]: !hit });
      inMember(p, () => logger.info('inference_start', { ...fieldsOf(p), cache_hit: hit }));
    }

    const settle = (index: number, outcome: MemberOutcome) => {
      const p = members[index];
      if (p.settled) return;
      const fields = fieldsOf(p);
      if (!outcome.ok) {
        const error = outcome.error;
        inMember(p, () => {
          if (error.code === 'DSC_ERR_INFER_CANCELED') logger.info('inference_canceled', fields);
          else logger.error('inference_failed', { ...fields, code: error.code, err: error });
        });
        reject(p, error);
        return;
      }
      const { logFields, result } = completeGeneration(
        {
          resolved,
          device,
          cacheHit: hit,
          prompt: p.request.prompt,
          output: outcome.output,
          modelLoadMs,
          totalMs: performance.now() - started,
          peakMemoryMb: Math.round(memory.peak() / (1024 * 1024)),
          peakGpuMemoryMb: gpuMemory?.peak(),
        },
        trace.getSpan(p.request.context),
      );
      inMember(p, () => logger.info('inference_complete', { ...fields, ...logFields }));
      p.settled = true;
      p.resolve(result);
    };
    const model = lease.model;
    await context.with(batchContext, () =>
      runBatch(
        model,
        members.map((p) => ({ request: p.request, context: p.request.context })),
        { logger, memory, batchContext, settle },
      ),
    );
  } finally {
    memory.stop();
    void gpuMemory?.stop();
    lease?.release();
  }
}
