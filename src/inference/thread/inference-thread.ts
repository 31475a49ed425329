/**
 * The inference thread's entry: the ordinary pipeline (registry, LRU model cache, sessions)
 * living off the worker's event loop. ONNX Runtime's Node binding runs a session synchronously
 * on the calling thread, so a multi-second step here blocks only this thread; the main thread
 * keeps renewing queue leases, answering /healthz and /metrics, and streaming progress.
 * Cancel: the main thread sets a shared flag, read after every step (so it lands within one
 * step), and also sends a message for the phases outside the step loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { context, trace } from '../../telemetry/index.js';
import { createInferencePipeline, type InferencePipelineExt } from '../pipeline.js';
import type { GenerateResult, StepProgress } from '../types.js';
import { rootSpanId, serializeError, type FromThread, type ThreadInit, type ToThread } from './protocol.js';
import { createRelayLogger } from './relay-logger.js';
import { createRelayTracer, RootRelaySpan } from './relay-tracer.js';

const port = parentPort!;
const init = workerData as ThreadInit;
const post = (message: FromThread, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

// Whatever registered a provider in this thread, ours must be the one the pipeline's spans reach.
trace.disable();
trace.setGlobalTracerProvider({ getTracer: () => createRelayTracer(post) });
const logger = createRelayLogger(init.logLevel, post);
const running = new Map<number, AbortController>();

function cancelled(flag: Int32Array): boolean {
  return Atomics.load(flag, 0) === 1;
}

async function generate(pipeline: InferencePipelineExt, message: Extract<ToThread, { t: 'generate' }>): Promise<void> {
  const { job, cancelFlag } = message;
  const controller = new AbortController();
  running.set(job, controller);
  if (cancelled(cancelFlag)) controller.abort();
  const root = new RootRelaySpan(rootSpanId(job), job, post);
  try {
    const result = await context.with(trace.setSpan(context.active(), root as never), () =>
      pipeline.generate({
        prompt: message.prompt,
        negativePrompt: message.negativePrompt,
        params: message.params,
        signal: controller.signal,
        onProgress: (progress) => {
          post({ t: 'progress', job, progress });
          // Checked here, right after each step, so the loop's next aborted-check sees it.
          if (cancelled(cancelFlag)) controller.abort();
        },
      }),
    );
    postResult(job, result, pipeline.loadedModels());
  } catch (err) {
    post({ t: 'error', job, error: serializeError(err), loaded: pipeline.loadedModels() });
  } finally {
    running.delete(job);
  }
}

/** Sends a result with its PNG bytes transferred, not copied. */
function postResult(job: number, result: GenerateResult, loaded: string[]): void {
  const images = result.images.map((img) => ({
    ...img,
    png: new Uint8Array(img.png.buffer, img.png.byteOffset, img.png.byteLength).slice(),
  }));
  const plain: GenerateResult = { ...result, images: images as unknown as GenerateResult['images'] };
  post(
    { t: 'result', job, result: plain, loaded },
    images.map((i) => i.png.buffer),
  );
}

async function generateBatch(pipeline: InferencePipelineExt, message: Extract<ToThread, { t: 'generate-batch' }>): Promise<void> {
  const batchRoot = new RootRelaySpan(rootSpanId(message.batch), message.batch, post);
  const members = message.members.map((m) => {
    const controller = new AbortController();
    running.set(m.job, controller);
    if (cancelled(m.cancelFlag)) controller.abort();
    const root = new RootRelaySpan(rootSpanId(m.job), m.job, post);
    return {
      prompt: m.prompt,
      negativePrompt: m.negativePrompt,
      params: m.params,
      signal: controller.signal,
      onProgress: (progress: StepProgress) => {
        post({ t: 'progress', job: m.job, progress });
        if (cancelled(m.cancelFlag)) controller.abort();
      },
      context: trace.setSpan(context.active(), root),
    };
  });
  const run = context.with(trace.setSpan(context.active(), batchRoot as never), () => pipeline.generateBatch(members));
  const posted = run.results.map((result, i) => {
    const job = message.members[i].job;
    return result
      .then(
        (value) => postResult(job, value, pipeline.loadedModels()),
        (err: unknown) => post({ t: 'error', job, error: serializeError(err), loaded: pipeline.loadedModels() }),
      )
      .finally(() => running.delete(job));
  });
  await run.done;
  await Promise.all(posted);
  post({ t: 'batch-done', batch: message.batch, loaded: pipeline.loadedModels() });
}

/** Loads and warms a model outside any request; its spans replay under the caller's (the worker's `model.preload`). */
async function preload(pipeline: InferencePipelineExt, message: Extract<ToThread, { t: 'preload' }>): Promise<void> {
  const root = new RootRelaySpan(rootSpanId(message.job), message.job, post);
  try {
    await context.with(trace.setSpan(context.active(), root as never), () => pipeline.preload(message.modelId));
    post({ t: 'preloaded', job: message.job, loaded: pipeline.loadedModels() });
  } catch (err) {
    post({ t: 'preloaded', job: message.job, loaded: pipeline.loadedModels(), error: serializeError(err) });
  }
}

async function main(): Promise<void> {
  let pipeline: InferencePipelineExt;
  try {
    pipeline = await createInferencePipeline({ ...init.options, logger });
  } catch (err) {
    post({ t: 'init-failed', error: serializeError(err) });
    return;
  }
  port.on('message', (message: ToThread) => {
    switch (message.t) {
      case 'generate':
        void generate(pipeline, message);
        break;
      case 'generate-batch':
        void generateBatch(pipeline, message);
        break;
      case 'preload':
        void preload(pipeline, message);
        break;
      case 'cancel':
        running.get(message.job)?.abort();
        break;
      case 'call': {
        const call = message.method === 'refreshModels' ? pipeline.refreshModels() : pipeline.describeModel(message.arg ?? '');
        call.then(
          (value) => post({ t: 'reply', call: message.call, value }),
          (err: unknown) => post({ t: 'reply', call: message.call, error: serializeError(err) }),
        );
        break;
      }
      case 'close':
        void pipeline.close().finally(() => port.close());
        break;
    }
  });
  post({ t: 'ready', models: pipeline.listModels() });
}

void main();
