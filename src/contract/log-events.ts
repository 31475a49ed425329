/**
 * The log-event catalogue: every event a diffscope service writes, with its level, the services
 * that write it, whether it is written inside a request, and its own fields with their JSON
 * types (contract with log shippers, dashboards and the explorer). The Logger's type accepts only
 * these names; `validateLogRecord()` checks a printed line against this table, and
 * test/telemetry/log-lines.test.ts runs the real services and validates every line they print.
 * docs/telemetry.md's event table is rendered from here (scripts/render-log-events.ts).
 */
import { SERVICE, type ServiceName } from './services.js';
import { ERROR_DETAIL_FIELDS, ERROR_FIELDS, GENERATION_PARAM_FIELDS, type LogFieldSpecs, type LogLevelName } from './log-fields.js';

/**
 * `request`: written inside a request, carries REQUEST_LOG_FIELDS. `process`: about the process
 * (start, stop, configuration). `either`: inside a request when there is one (all request
 * fields), else none (e.g. a URL Fastify rejects before routing).
 */
export type LogScope = 'request' | 'process' | 'either';

export interface LogEventSpec {
  level: LogLevelName;
  /** The services that write it; `any` for the shared runtime (shutdown, prompt hashing). */
  services: readonly ServiceName[] | 'any';
  scope: LogScope;
  /** Always present, with these types. */
  fields: LogFieldSpecs;
  /** Present when they apply, with these types. No other field may appear. */
  optional?: LogFieldSpecs;
  description: string;
}

const { API, WORKER, NOTIFIER, EXPLORER, SUPERVISOR } = SERVICE;

const ERR_OPTIONAL = ERROR_DETAIL_FIELDS;
/** What the inference pipeline knows about one run. */
const INFERENCE_FIELDS = { ...GENERATION_PARAM_FIELDS, model_version: 'string', device: 'string' } as const;
/** A generation's outcome as the worker logs it: every parameter, the prompt hash and the timings. */
const OUTCOME_FIELDS = { status: 'string', ...GENERATION_PARAM_FIELDS, prompt_hash: 'string', total_ms: 'integer' } as const;
const OUTCOME_OPTIONAL = {
  model_version: 'string',
  queue_ms: 'integer',
  inference_time_ms: 'integer',
  output_location: 'string',
  device: 'string',
  peak_memory_mb: 'integer',
  peak_gpu_memory_mb: 'integer',
} as const;
/** Request-body fields `request_received` copies (raw: the body is not validated yet). */
const RAW_REQUEST_FIELDS = {
  model: 'any',
  sampler: 'any',
  steps: 'any',
  cfg_scale: 'any',
  seed: 'any',
  width: 'any',
  height: 'any',
  n: 'any',
  size: 'any',
  response_format: 'any',
  prompt_hash: 'string',
  negative_prompt_hash: 'string',
  webhook_url: 'string',
} as const;
const MODEL_LOAD_FIELDS = { model_id: 'string', model_version: 'string', size_bytes: 'integer', device: 'string' } as const;

export const LOG_EVENTS = {
  // ---- api-server: one generation request
  request_received: {
    level: 'INFO',
    services: [API],
    scope: 'request',
    fields: { method: 'string', route: 'string' },
    optional: RAW_REQUEST_FIELDS,
    description:
      'A generation request arrived (before validation). Prompts only as keyed hashes; the webhook URL without its query string.',
  },
  request_rejected: {
    level: 'WARN',
    services: [API],
    scope: 'either',
    fields: { code: 'string', status: 'integer', reason: 'string' },
    optional: { field: 'string', method: 'string', route: 'string' },
    description:
      'A 4xx answer (validation, auth, size, queue full, unknown route): `code` = DSC_ERR_*, `status` = HTTP status. Outside a request only when Fastify refused the URL before routing.',
  },
  request_error: {
    level: 'ERROR',
    services: [API],
    scope: 'request',
    fields: { code: 'string', status: 'integer', ...ERROR_FIELDS },
    optional: { field: 'string', method: 'string', route: 'string', ...ERR_OPTIONAL },
    description: 'A 5xx answer; error.* describe the cause.',
  },
  job_enqueued: {
    level: 'INFO',
    services: [API],
    scope: 'request',
    fields: { queue: 'string', ...GENERATION_PARAM_FIELDS, prompt_hash: 'string' },
    description: 'The job was published to the queue.',
  },
  enqueue_failed: {
    level: 'ERROR',
    services: [API],
    scope: 'request',
    fields: ERROR_FIELDS,
    optional: ERR_OPTIONAL,
    description: 'The queue refused the job: the generation is marked failed and the client gets 503.',
  },
  cancel_requested: {
    level: 'INFO',
    services: [API],
    scope: 'request',
    fields: { status: 'string' },
    description: 'A running generation was asked to stop; the worker sees it between steps.',
  },
  request_canceled: {
    level: 'INFO',
    services: [API, WORKER],
    scope: 'request',
    fields: OUTCOME_FIELDS,
    optional: { while: 'string', ...OUTCOME_OPTIONAL },
    description: 'The generation ended canceled: by the api-server while still queued (`while` = queued), or by the worker between steps.',
  },
  completion_publish_failed: {
    level: 'ERROR',
    services: [API, WORKER, NOTIFIER],
    scope: 'request',
    fields: ERROR_FIELDS,
    optional: ERR_OPTIONAL,
    description:
      'The completion message for the notifier could not be published: the generation is done and its completion stays owed; the reconciler publishes it again after DIFFSCOPE_RECONCILE_GRACE_MS (completion_republished).',
  },
  completion_settle_failed: {
    level: 'WARN',
    services: [API, WORKER, NOTIFIER],
    scope: 'request',
    fields: { status: 'string', ...ERROR_FIELDS },
    optional: ERR_OPTIONAL,
    description:
      'The completion message went out but the store could not record it: the reconciler publishes it once more later (the notifier sends the webhook once).',
  },
  finish_write_retry: {
    level: 'WARN',
    services: [API, WORKER, NOTIFIER],
    scope: 'request',
    fields: { status: 'string', attempt: 'integer', retry_in_ms: 'integer', ...ERROR_FIELDS },
    optional: ERR_OPTIONAL,
    description:
      'Ending the generation did not get an answer from the store (it may have been written all the same); tried again after retry_in_ms. A try that finds this very write in place goes on as a success.',
  },
  webhook_event_publish_failed: {
    level: 'WARN',
    services: [API, WORKER],
    scope: 'request',
    fields: { webhook_event: 'string', ...ERROR_FIELDS },
    optional: ERR_OPTIONAL,
    description:
      'A queued/started/progress notification that the webhook asked for could not be published: only that notification is lost.',
  },
  generation_deleted: {
    level: 'INFO',
    services: [API],
    scope: 'request',
    fields: { generation_id: 'string', status: 'string', images_removed: 'integer' },
    optional: { canceled: 'boolean' },
    description:
      "DELETE /v1/generations/{id} removed the generation `generation_id` (request_id is the DELETE's own): its images, record and events (`canceled`: it was queued and was canceled first, with request_canceled before).",
  },
  client_gone: {
    level: 'INFO',
    services: [API],
    scope: 'request',
    fields: { status: 'string', note: 'string' },
    description: 'A synchronous (OpenAI-style) caller disconnected; the generation goes on.',
  },
  request_timeout: {
    level: 'WARN',
    services: [API],
    scope: 'request',
    fields: { status: 'string', timeout_ms: 'integer' },
    description: 'A synchronous caller waited DIFFSCOPE_SYNC_TIMEOUT_MS; answered 504 with where to follow the generation.',
  },
  request_complete: {
    level: 'INFO',
    services: [API, WORKER],
    scope: 'request',
    fields: { status: 'string', total_ms: 'integer' },
    optional: { ...OUTCOME_FIELDS, ...OUTCOME_OPTIONAL, error_code: 'string' },
    description:
      'The generation finished successfully: the worker writes every outcome field (parameters, prompt hash, timings, device, memory); the api-server writes its own line when it answered a synchronous request (then `status` may also be failed/canceled, with `error_code`).',
  },
  sse_failed: {
    level: 'ERROR',
    services: [API],
    scope: 'request',
    fields: ERROR_FIELDS,
    optional: ERR_OPTIONAL,
    description: 'The server-sent event stream of a generation broke; it is closed.',
  },

  // ---- inference-worker: one job
  job_dequeued: {
    level: 'INFO',
    services: [WORKER],
    scope: 'request',
    fields: { queue: 'string', attempt: 'integer', model_id: 'string' },
    optional: { queue_wait_ms: 'integer' },
    description: 'A worker took the job; queue_wait_ms = dequeue time - enqueued_at.',
  },
  job_orphaned: {
    level: 'WARN',
    services: [WORKER],
    scope: 'request',
    fields: { reason: 'string', attempt: 'integer' },
    description: 'A job whose generation record does not exist; dropped.',
  },
  job_skipped: {
    level: 'INFO',
    services: [WORKER],
    scope: 'request',
    fields: { reason: 'string', status: 'string', attempt: 'integer' },
    description: 'A delivery of a generation that is already terminal (or was canceled while being dequeued); acknowledged without work.',
  },
  job_handed_back: {
    level: 'INFO',
    services: [WORKER],
    scope: 'request',
    fields: { attempt: 'integer' },
    description: 'The worker is shutting down mid-job: the job goes back to the queue for another worker.',
  },
  job_retry: {
    level: 'WARN',
    services: [WORKER],
    scope: 'request',
    fields: { attempt: 'integer', max_attempts: 'integer', ...ERROR_FIELDS },
    optional: ERR_OPTIONAL,
    description: 'An attempt failed with a retryable error; the queue redelivers it after its backoff.',
  },
  job_duplicate: {
    level: 'INFO',
    services: [WORKER],
    scope: 'request',
    fields: { reason: 'string', status: 'string' },
    description: 'Another delivery finished this generation first; this one stores and notifies nothing.',
  },
  job_dead_lettered: {
    level: 'WARN',
    services: [WORKER],
    scope: 'request',
    fields: { attempt: 'integer', max_attempts: 'integer', reason: 'string' },
    description: 'The job used up its attempts (or kept killing its workers); the generation is marked failed.',
  },
  dead_letter_write_retry: {
    level: 'WARN',
    services: [WORKER],
    scope: 'request',
    fields: { attempt: 'integer', retry_in_ms: 'integer', ...ERROR_FIELDS },
    optional: ERR_OPTIONAL,
    description: 'Marking a dead-lettered generation failed did not reach the store; tried again after retry_in_ms.',
  },
  dead_letter_write_failed: {
    level: 'ERROR',
    services: [WORKER],
    scope: 'request',
    fields: { attempt: 'integer', ...ERROR_FIELDS },
    optional: ERR_OPTIONAL,
    description: 'Marking a dead-lettered generation failed kept failing; the reconciler fails it after DIFFSCOPE_RECONCILE_GRACE_MS.',
  },
  progress_event_failed: {
    level: 'WARN',
    services: [WORKER],
    scope: 'request',
    fields: ERROR_FIELDS,
    optional: ERR_OPTIONAL,
    description: 'A progress event could not be appended to the store (the generation goes on).',
  },
  model_load_start: {
    level: 'INFO',
    services: [WORKER],
    scope: 'either',
    fields: MODEL_LOAD_FIELDS,
    description:
      'Model cache miss: loading ONNX sessions (in the request, in the `batch` span of a batch, or in the `model.preload` span of a worker loading its default model at start: trace ids, no request).',
  },
  model_load_complete: {
    level: 'INFO',
    services: [WORKER],
    scope: 'either',
    fields: { ...MODEL_LOAD_FIELDS, duration_ms: 'integer' },
    description: 'Model loaded and cached.',
  },
  model_load_failed: {
    level: 'ERROR',
    services: [WORKER],
    scope: 'either',
    fields: { ...MODEL_LOAD_FIELDS, duration_ms: 'integer', ...ERROR_FIELDS },
    optional: ERR_OPTIONAL,
    description: 'The model could not be loaded.',
  },
  model_evicted: {
    level: 'INFO',
    services: [WORKER],
    scope: 'either',
    fields: { model_id: 'string', model_version: 'string', size_bytes: 'integer' },
    description: 'A model left the cache to stay within DIFFSCOPE_MODEL_CACHE_MB (during the load of another one).',
  },
  model_preload_failed: {
    level: 'WARN',
    services: [WORKER],
    scope: 'process',
    fields: { model_id: 'string', ...ERROR_FIELDS },
    optional: ERR_OPTIONAL,
    description:
      'The worker could not load (or warm) its default model at start (DIFFSCOPE_WORKER_PRELOAD): /readyz stays 503 until a job of that model loads it.',
  },
  model_skipped: {
    level: 'WARN',
    services: [API, WORKER],
    scope: 'process',
    fields: { model_id: 'string', ...ERROR_FIELDS },
    optional: ERR_OPTIONAL,
    description: 'A folder under DIFFSCOPE_MODELS_DIR could not be read as a model while listing models; the others are listed.',
  },
  inference_start: {
    level: 'INFO',
    services: [WORKER],
    scope: 'request',
    fields: { ...INFERENCE_FIELDS, cache_hit: 'boolean' },
    description: 'Sampling is about to start (model leased from the cache).',
  },
  sampling_step: {
    level: 'DEBUG',
    services: [WORKER],
    scope: 'either',
    fields: { step: 'integer', total_steps: 'integer', step_ms: 'number' },
    description: 'One denoising step (only when DEBUG is on: the step loop checks the level first); in a batch, once in the `batch` span.',
  },
  batch_started: {
    level: 'INFO',
    services: [WORKER],
    scope: 'process',
    fields: { batch_size: 'integer', images: 'integer', model_id: 'string', wait_ms: 'integer' },
    description:
      'Dynamic batching: compatible requests start as one UNet batch (written in the `batch` span; its links name the members). wait_ms: since the first member arrived.',
  },
  inference_complete: {
    level: 'INFO',
    services: [WORKER],
    scope: 'request',
    fields: {
      ...INFERENCE_FIELDS,
      prompt_hash: 'string',
      status: 'string',
      cache_hit: 'boolean',
      inference_time_ms: 'integer',
      model_load_ms: 'integer',
      text_encode_ms: 'integer',
      sampling_ms: 'integer',
      decode_ms: 'integer',
      steps_per_second: 'number',
      peak_memory_mb: 'integer',
    },
    optional: { peak_gpu_memory_mb: 'integer' },
    description:
      'Images generated, with the time of each part. peak_gpu_memory_mb only when measured on a GPU; peak_memory_mb (process RSS) + device always.',
  },
  inference_canceled: {
    level: 'INFO',
    services: [WORKER],
    scope: 'request',
    fields: INFERENCE_FIELDS,
    description: 'Sampling stopped between steps: the client canceled or the worker is shutting down.',
  },
  inference_failed: {
    level: 'ERROR',
    services: [WORKER],
    scope: 'request',
    fields: { ...INFERENCE_FIELDS, code: 'string', ...ERROR_FIELDS },
    optional: ERR_OPTIONAL,
    description: 'The pipeline threw; `code` is the DSC_ERR_* code.',
  },
  inference_thread_failed: {
    level: 'ERROR',
    services: [WORKER],
    scope: 'either',
    fields: ERROR_FIELDS,
    optional: ERR_OPTIONAL,
    description:
      'The inference thread stopped (crashed or ran out of memory): its jobs fail with DSC_ERR_INFER_FAILED and the next job starts a new thread.',
  },
  result_stored: {
    level: 'INFO',
    services: [WORKER],
    scope: 'request',
    fields: { output_location: 'string', bytes: 'integer', image_index: 'integer', storage: 'string' },
    description: 'One image written to storage (`storage`: local or s3).',
  },
  request_failed: {
    level: 'ERROR',
    services: [API, WORKER, NOTIFIER],
    scope: 'request',
    fields: { ...OUTCOME_FIELDS, ...ERROR_FIELDS },
    optional: OUTCOME_OPTIONAL,
    description:
      'The generation failed for good (no retry left, or the api-server could not enqueue it): error.type = the DSC_ERR_* code, error.message the public message.',
  },

  // ---- notifier: the reconciler
  generation_lost: {
    level: 'WARN',
    services: [NOTIFIER],
    scope: 'request',
    fields: { status: 'string', reason: 'string', idle_ms: 'integer' },
    description:
      'A generation stayed queued/running with no live job in the queue past the grace period: the reconciler fails it (DSC_ERR_GENERATION_LOST, request_failed follows).',
  },
  reconcile_failed: {
    level: 'WARN',
    services: [NOTIFIER],
    scope: 'either',
    fields: ERROR_FIELDS,
    optional: ERR_OPTIONAL,
    description: 'A reconciler pass (or one generation in it) could not reach the store or the queue; the next pass tries again.',
  },
  completion_republished: {
    level: 'WARN',
    services: [NOTIFIER],
    scope: 'request',
    fields: { status: 'string', owed_ms: 'integer' },
    description:
      "A finished generation's completion message was still owed after DIFFSCOPE_RECONCILE_GRACE_MS (its publish failed, or its process stopped before it): the reconciler publishes it again (owed_ms: since it finished).",
  },

  // ---- api-server: retention
  retention_sweep: {
    level: 'INFO',
    services: [API],
    scope: 'process',
    fields: { generations_removed: 'integer', images_removed: 'integer', retention_hours: 'number' },
    description:
      'The retention sweep removed generations finished more than DIFFSCOPE_RETENTION_HOURS ago (records, events, images); written only when it removed something.',
  },
  retention_sweep_failed: {
    level: 'WARN',
    services: [API],
    scope: 'process',
    fields: ERROR_FIELDS,
    optional: ERR_OPTIONAL,
    description: 'A retention pass could not reach the store or the object store; the next pass starts over.',
  },

  // ---- notifier: one webhook
  notification_skipped: {
    level: 'DEBUG',
    services: [NOTIFIER],
    scope: 'request',
    fields: { reason: 'string', status: 'string' },
    optional: { webhook_event: 'string' },
    description:
      'The webhook did not ask for this moment or outcome (`webhook.events`), or the outcome came again after its webhook was delivered (reason: outcome already delivered).',
  },
  notification_retry: {
    level: 'INFO',
    services: [NOTIFIER],
    scope: 'request',
    fields: { attempt: 'integer', max_attempts: 'integer', error_message: 'string', retry_in_ms: 'integer' },
    optional: { http_status: 'integer' },
    description: 'A delivery attempt failed (network or retryable status); retried after retry_in_ms.',
  },
  notification_failed: {
    level: 'WARN',
    services: [NOTIFIER],
    scope: 'request',
    fields: { attempt: 'integer', error_message: 'string', final: 'boolean' },
    optional: { reason: 'string', max_attempts: 'integer', http_status: 'integer', url: 'string', webhook_event: 'string' },
    description: 'The webhook was given up: its URL was refused at send time (`reason`), a non-retryable status, or no attempt left.',
  },
  notification_sent: {
    level: 'INFO',
    services: [NOTIFIER],
    scope: 'request',
    fields: { attempt: 'integer', http_status: 'integer', status: 'string', url: 'string' },
    optional: { webhook_event: 'string' },
    description:
      'Webhook delivered (2xx). `url` without query string or credentials; never the signing secret. `webhook_event`: queued/started/progress/completed.',
  },

  // ---- explorer
  explorer_started: {
    level: 'INFO',
    services: [EXPLORER],
    scope: 'process',
    fields: { ui: 'string', otlp: 'string', db: 'string' },
    optional: { otlp_grpc: 'string' },
    description:
      "The explorer listens: UI + query API, OTLP/HTTP receiver (and Zipkin's /api/v2/spans), SQLite file; otlp_grpc when the OTLP/gRPC receiver is on.",
  },
  otlp_grpc_port_busy: {
    level: 'WARN',
    services: [EXPLORER],
    scope: 'process',
    fields: { address: 'string', message: 'string' },
    description:
      'DIFFSCOPE_OTLP_GRPC_PORT is unset and its default port 4317 is taken (often a local Collector or Jaeger): the explorer runs without OTLP/gRPC.',
  },
  explorer_retention: {
    level: 'INFO',
    services: [EXPLORER],
    scope: 'process',
    fields: { spans_deleted: 'integer', logs_deleted: 'integer', used_bytes: 'integer' },
    description: 'The retention pass deleted old spans/logs to stay within the configured age and size.',
  },
  explorer_retention_failed: {
    level: 'ERROR',
    services: [EXPLORER],
    scope: 'process',
    fields: ERROR_FIELDS,
    optional: ERR_OPTIONAL,
    description: 'The retention pass threw; it runs again on the next interval.',
  },
  explorer_query_error: {
    level: 'ERROR',
    services: [EXPLORER],
    scope: 'process',
    fields: { url: 'string', ...ERROR_FIELDS },
    optional: ERR_OPTIONAL,
    description: 'A query API request failed with a 5xx.',
  },
  otlp_receiver_error: {
    level: 'ERROR',
    services: [EXPLORER],
    scope: 'process',
    fields: { url: 'string', ...ERROR_FIELDS },
    optional: ERR_OPTIONAL,
    description: 'An OTLP export request failed with a 5xx.',
  },
  otlp_payload_rejected: {
    level: 'DEBUG',
    services: [EXPLORER],
    scope: 'process',
    fields: { url: 'string', encoding: 'string', reason: 'string' },
    description: 'A malformed OTLP payload was answered 400.',
  },

  // ---- service start/stop and configuration
  api_listening: {
    level: 'INFO',
    services: [API],
    scope: 'process',
    fields: { url: 'string', queue_backend: 'string', state_backend: 'string', storage_backend: 'string', models: 'string[]' },
    description: 'The api-server accepts requests.',
  },
  auth_disabled: {
    level: 'WARN',
    services: [API],
    scope: 'process',
    fields: { message: 'string' },
    description: 'DIFFSCOPE_API_KEYS is empty: every request is accepted as client "anonymous".',
  },
  execution_provider_selected: {
    level: 'INFO',
    services: [WORKER],
    scope: 'process',
    fields: { requested: 'string', provider: 'string', device: 'string', reason: 'string' },
    description:
      'The ONNX Runtime execution provider the pipeline runs on (DIFFSCOPE_EXECUTION_PROVIDER), and why: with `auto`, whether a WebGPU adapter was found or what was missing.',
  },
  worker_started: {
    level: 'INFO',
    services: [WORKER],
    scope: 'process',
    fields: { queue: 'string', queue_backend: 'string', concurrency: 'integer', models: 'string[]' },
    optional: { batch_max: 'integer', batch_window_ms: 'integer' },
    description: 'The worker consumes its queue (batch_max/batch_window_ms when dynamic batching is on).',
  },
  worker_stopping: {
    level: 'INFO',
    services: [WORKER],
    scope: 'process',
    fields: { grace_ms: 'integer' },
    description: 'Draining: running jobs get grace_ms, then are aborted and handed back.',
  },
  worker_stopped: {
    level: 'INFO',
    services: [WORKER],
    scope: 'process',
    fields: {},
    description: 'The consumer is closed.',
  },
  notifier_started: {
    level: 'INFO',
    services: [NOTIFIER],
    scope: 'process',
    fields: { queue: 'string', queue_backend: 'string', allow_private: 'boolean' },
    description: 'The notifier consumes the completion queue.',
  },
  webhook_unsigned: {
    level: 'WARN',
    services: [NOTIFIER],
    scope: 'process',
    fields: { message: 'string' },
    description: 'DIFFSCOPE_WEBHOOK_SECRET is not set: webhooks go out without x-diffscope-signature.',
  },
  metrics_listening: {
    level: 'INFO',
    services: [WORKER, NOTIFIER],
    scope: 'process',
    fields: { url: 'string' },
    description: 'The OpenMetrics endpoint of a service without its own HTTP server.',
  },
  metrics_render_failed: {
    level: 'ERROR',
    services: [WORKER, NOTIFIER],
    scope: 'either',
    fields: ERROR_FIELDS,
    optional: ERR_OPTIONAL,
    description: 'A /metrics scrape failed (answered 500).',
  },
  prompt_hash_secret_random: {
    level: 'WARN',
    services: 'any',
    scope: 'process',
    fields: { message: 'string' },
    description: 'No DIFFSCOPE_PROMPT_HASH_SECRET: prompt_hash uses a random key (per process, or per run of the all-in-one).',
  },
  unhandled_rejection: {
    level: 'ERROR',
    services: 'any',
    scope: 'either',
    fields: ERROR_FIELDS,
    optional: ERR_OPTIONAL,
    description: 'A promise rejection nobody handled (a bug); the process goes on.',
  },
  resource_close_failed: {
    level: 'WARN',
    services: 'any',
    scope: 'process',
    fields: { resource: 'string', ...ERROR_FIELDS },
    optional: ERR_OPTIONAL,
    description: 'A queue/store/storage connection threw while closing at shutdown.',
  },
  shutdown_started: {
    level: 'INFO',
    services: 'any',
    scope: 'process',
    fields: { signal: 'string' },
    description: 'SIGTERM/SIGINT received; running shutdown hooks.',
  },
  shutdown_complete: {
    level: 'INFO',
    services: 'any',
    scope: 'process',
    fields: { signal: 'string' },
    description: 'Hooks done and telemetry flushed; exiting 0.',
  },
  shutdown_hook_failed: {
    level: 'ERROR',
    services: 'any',
    scope: 'process',
    fields: ERROR_FIELDS,
    optional: ERR_OPTIONAL,
    description: 'A shutdown hook threw; the others still run.',
  },
  shutdown_timeout: {
    level: 'ERROR',
    services: 'any',
    scope: 'process',
    fields: { signal: 'string', grace_ms: 'integer' },
    description: 'Shutdown took longer than the grace period; exiting 1.',
  },
  shutdown_forced: {
    level: 'WARN',
    services: 'any',
    scope: 'process',
    fields: { signal: 'string' },
    description: 'Second signal during shutdown; exiting 1 at once.',
  },
  telemetry_flush_failed: {
    level: 'WARN',
    services: 'any',
    scope: 'process',
    fields: ERROR_FIELDS,
    optional: ERR_OPTIONAL,
    description: 'Spans/log records could not be flushed at shutdown.',
  },

  // ---- the all-in-one (`diffscope start`)
  service_started: {
    level: 'INFO',
    services: [SUPERVISOR],
    scope: 'process',
    fields: { child_service: 'string', pid: 'integer', restarts: 'integer' },
    description: 'The supervisor started (or restarted) one service as a child process.',
  },
  service_crashed: {
    level: 'ERROR',
    services: [SUPERVISOR],
    scope: 'process',
    fields: { child_service: 'string', exit_code: ['integer', 'null'], signal: ['string', 'null'], restart_in_ms: 'integer' },
    description: 'A child exited on its own; restarted after restart_in_ms (backing off while it keeps crashing).',
  },
  service_config_invalid: {
    level: 'ERROR',
    services: [SUPERVISOR],
    scope: 'process',
    fields: { child_service: 'string', exit_code: 'integer' },
    description: 'A child exited with the configuration-error code: not restarted (a restart cannot fix a bad setting).',
  },
  stack_ready: {
    level: 'INFO',
    services: [SUPERVISOR],
    scope: 'process',
    fields: { api_url: 'string', explorer_url: 'string', otlp_endpoint: 'string', api_listening: 'boolean', pids: 'object' },
    description: 'Every service started; `pids` maps service → pid.',
  },
  stack_stopping: {
    level: 'INFO',
    services: [SUPERVISOR],
    scope: 'process',
    fields: { signal: 'string' },
    description: 'SIGTERM/SIGINT: stopping the children, last started first.',
  },
  stack_stopped: {
    level: 'INFO',
    services: [SUPERVISOR],
    scope: 'process',
    fields: {},
    description: 'Every child exited.',
  },
} as const satisfies Record<string, LogEventSpec>;

/** Every event name a service may log: the Logger's methods accept only these. */
export type LogEventName = keyof typeof LOG_EVENTS;

export function isLogEventName(name: string): name is LogEventName {
  return Object.hasOwn(LOG_EVENTS, name);
}
