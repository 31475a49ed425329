/**
 * Every span attribute key diffscope sets, in one table (BullMQ's enums/telemetry-attributes.ts habit).
 * Namespaces: `diffusion.*` (our own, model/sampler/steps/…), `gen_ai.*` (OTel GenAI semantic
 * conventions where a key exists), `messaging.*` (OTel messaging conventions), `diffscope.*` (request
 * identity), `http.*`/`url.*`/`server.*` (set by the HTTP instrumentation and the serving code).
 * docs/telemetry.md lists which span carries which key.
 */
export const ATTR = {
  DIFFUSION_MODEL_ID: 'diffusion.model.id',
  DIFFUSION_MODEL_VERSION: 'diffusion.model.version',
  DIFFUSION_SAMPLER: 'diffusion.sampler',
  DIFFUSION_STEPS: 'diffusion.steps',
  DIFFUSION_CFG_SCALE: 'diffusion.cfg_scale',
  DIFFUSION_SEED: 'diffusion.seed',
  DIFFUSION_WIDTH: 'diffusion.width',
  DIFFUSION_HEIGHT: 'diffusion.height',
  DIFFUSION_N: 'diffusion.n',
  DIFFUSION_PROMPT_HASH: 'diffusion.prompt_hash',
  DIFFUSION_STEP_DURATIONS_MS: 'diffusion.step_durations_ms',
  DIFFUSION_STEPS_PER_SECOND: 'diffusion.steps_per_second',
  DIFFUSION_CACHE_HIT: 'diffusion.model.cache_hit',
  DIFFUSION_COLD_START: 'diffusion.cold_start',
  DIFFUSION_DEVICE: 'diffusion.device',
  DIFFUSION_PEAK_MEMORY_MB: 'diffusion.peak_memory_mb',
  /** Set only when the pipeline measured device memory on a GPU (see `peak_gpu_memory_mb`). */
  DIFFUSION_PEAK_GPU_MEMORY_MB: 'diffusion.peak_gpu_memory_mb',
  DIFFUSION_OUTPUT_LOCATION: 'diffusion.output_location',
  DIFFUSION_IMAGE_INDEX: 'diffusion.image.index',
  DIFFUSION_IMAGE_BYTES: 'diffusion.image.bytes',
  DIFFUSION_QUEUE_WAIT_MS: 'diffusion.queue_wait_ms',
  /** Dynamic batching (docs/inference.md): requests in the batch, on `batch`, its links, members' `inference` and their stage copies. */
  DIFFUSION_BATCH_SIZE: 'diffusion.batch.size',
  /** Images in the batch (the sum of the members' n; CFG doubles the UNet rows). */
  DIFFUSION_BATCH_IMAGES: 'diffusion.batch.images',
  /** A member's place in its batch (0-based), on its `inference` span and on the `batch` span's link to it. */
  DIFFUSION_BATCH_INDEX: 'diffusion.batch.index',
  /** On `batch`: the members' request ids and trace ids, in member order (the links carry the same). */
  DIFFUSION_BATCH_REQUEST_IDS: 'diffusion.batch.request_ids',
  DIFFUSION_BATCH_TRACE_IDS: 'diffusion.batch.trace_ids',
  /** On `batch.wait`: how long a member waited for its batch to start. */
  DIFFUSION_BATCH_WAIT_MS: 'diffusion.batch.wait_ms',
  GEN_AI_REQUEST_MODEL: 'gen_ai.request.model',
  GEN_AI_OUTPUT_TYPE: 'gen_ai.output.type',
  GEN_AI_OPERATION_NAME: 'gen_ai.operation.name',
  GEN_AI_REQUEST_SEED: 'gen_ai.request.seed',
  REQUEST_ID: 'diffscope.request_id',
  CLIENT_ID: 'diffscope.client_id',
  GENERATION_STATUS: 'diffscope.generation.status',
  MESSAGING_SYSTEM: 'messaging.system',
  MESSAGING_DESTINATION: 'messaging.destination.name',
  MESSAGING_OPERATION: 'messaging.operation.type',
  MESSAGING_OPERATION_NAME: 'messaging.operation.name',
  MESSAGING_MESSAGE_ID: 'messaging.message.id',
  MESSAGING_DELIVERY_ATTEMPT: 'messaging.delivery.attempt',
  STORAGE_SYSTEM: 'diffscope.storage.system',
  STORAGE_KEY: 'diffscope.storage.key',
  WEBHOOK_ATTEMPT: 'diffscope.webhook.attempt',
  HTTP_REQUEST_METHOD: 'http.request.method',
  HTTP_RESPONSE_STATUS_CODE: 'http.response.status_code',
  HTTP_ROUTE: 'http.route',
  URL_FULL: 'url.full',
  URL_PATH: 'url.path',
  URL_SCHEME: 'url.scheme',
  CLIENT_ADDRESS: 'client.address',
  USER_AGENT_ORIGINAL: 'user_agent.original',
  SERVER_ADDRESS: 'server.address',
  SERVER_PORT: 'server.port',
  ERROR_TYPE: 'error.type',
} as const;

export type AttributeKey = (typeof ATTR)[keyof typeof ATTR];
