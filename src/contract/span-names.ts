/**
 * The span names of one generation's trace (contract: explorers, dashboards and the stage
 * analysis find spans by these names; docs/telemetry.md draws the tree). HTTP SERVER spans
 * are named `<METHOD> <route>` (`POST /v1/generations`) by `httpServerSpanName`.
 */
export const SPAN = {
  QUEUE_PUBLISH: 'queue.publish',
  /** Synthetic: starts at the message's `enqueued_at`, ends at dequeue. */
  QUEUE_WAIT: 'queue.wait',
  INFERENCE: 'inference',
  /** Only on a model-cache miss. */
  MODEL_LOAD: 'model.load',
  /** The first run of each ONNX session after it was created (WebGPU compiles its shaders here), under the phase span that made it. */
  MODEL_WARMUP: 'model.warmup',
  /**
   * A worker loading its default model when it starts, the root of its own trace: `model.load`,
   * then one warm-up step whose phase spans hold the `model.warmup` runs (src/worker/model-preload.ts).
   */
  MODEL_PRELOAD: 'model.preload',
  TEXT_ENCODE: 'text.encode',
  SAMPLING: 'sampling',
  VAE_DECODE: 'vae.decode',
  /** Pixel-space models have no VAE: their decode step gets this name. */
  IMAGE_DECODE: 'image.decode',
  /**
   * Dynamic batching: one UNet batch shared by several requests, the root of its own trace. It
   * links to each member's `inference` span and each of those links back to it (fan-in).
   */
  BATCH: 'batch',
  /** A batch member's wait for its batch to start (the window, then the previous batch), under its `inference`. */
  BATCH_WAIT: 'batch.wait',
  STORAGE_PUT: 'storage.put',
  NOTIFY_WEBHOOK: 'notify.webhook',
  /** The reconciler failing a generation left without a live job (in that generation's trace). */
  GENERATION_RECONCILE: 'generation.reconcile',
} as const;

export type SpanName = (typeof SPAN)[keyof typeof SPAN];

/** `POST /v1/generations`: the HTTP semantic conventions' `{method} {route}` span name. */
export function httpServerSpanName(method: string, route: string): string {
  return `${method.toUpperCase()} ${route}`;
}
