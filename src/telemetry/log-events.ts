/**
 * The log-event catalogue (contract with log shippers and the explorer; docs/telemetry.md is
 * written from it). Every line carries the BASE fields; lines written inside a request carry
 * the REQUEST fields (injected from the request scope and the active span); each event adds
 * its own `fields`. `validateLogRecord()` checks one parsed line against it (used by tests).
 */
export const BASE_LOG_FIELDS = ['timestamp', 'level', 'service', 'instance_id', 'version', 'event'] as const;
export const REQUEST_LOG_FIELDS = ['request_id', 'client_id', 'trace_id', 'span_id'] as const;

export interface LogEventSpec {
  level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Written by which service(s). */
  service: string;
  /** Inside a request: carries REQUEST_LOG_FIELDS. */
  inRequest: boolean;
  /** Required event-specific fields. */
  fields: readonly string[];
  /** Present when they apply. */
  optional?: readonly string[];
  description: string;
}

/** Generation parameters as log fields (seed schema names). */
const PARAMS = ['model_id', 'sampler', 'steps', 'cfg_scale', 'seed', 'width', 'height'] as const;
const DIFFUSION = [...PARAMS, 'prompt_hash'] as const;

export const LOG_EVENTS = {
  request_received: {
    level: 'INFO', service: 'api-server', inRequest: true, fields: ['method', 'route'],
    optional: ['sync', 'user_agent'], description: 'A generation request was accepted for validation.',
  },
  request_rejected: {
    level: 'WARN', service: 'api-server', inRequest: true, fields: ['code', 'status', 'reason'],
    optional: ['field', 'method', 'route'],
    description: 'A 4xx answer (validation, auth, size, queue full): `code` = DSC_ERR_*, `status` = HTTP status. 5xx is `request_error` (ERROR, with error.*).',
  },
  job_enqueued: {
    level: 'INFO', service: 'api-server', inRequest: true, fields: ['queue', ...DIFFUSION],
    optional: ['n'], description: 'The job was published to the queue.',
  },
  job_dequeued: {
    level: 'INFO', service: 'inference-worker', inRequest: true, fields: ['queue', 'attempt'],
    optional: ['queue_wait_ms', 'model_id'], description: 'A worker took the job; queue_wait_ms = dequeue time - enqueued_at.',
  },
  model_load_start: {
    level: 'INFO', service: 'inference-worker', inRequest: true, fields: ['model_id', 'model_version'],
    optional: ['device', 'size_bytes'], description: 'Model cache miss: loading ONNX sessions.',
  },
  model_load_complete: {
    level: 'INFO', service: 'inference-worker', inRequest: true, fields: ['model_id', 'model_version', 'duration_ms'],
    optional: ['device', 'size_bytes'], description: 'Model loaded and cached (model_load_failed, ERROR, when it was not).',
  },
  inference_start: {
    level: 'INFO', service: 'inference-worker', inRequest: true, fields: [...PARAMS, 'model_version'],
    optional: ['prompt_hash', 'n', 'device', 'cache_hit'], description: 'Sampling is about to start (model leased from the cache).',
  },
  inference_complete: {
    level: 'INFO', service: 'inference-worker', inRequest: true,
    fields: [...PARAMS, 'model_version', 'inference_time_ms', 'prompt_hash', 'status'],
    optional: [
      'peak_gpu_memory_mb', 'peak_memory_mb', 'device', 'output_location', 'steps_per_second',
      'cache_hit', 'model_load_ms', 'text_encode_ms', 'sampling_ms', 'decode_ms', 'n',
    ],
    description: 'Images generated. peak_gpu_memory_mb only when measured on a GPU, else peak_memory_mb + device.',
  },
  result_stored: {
    level: 'INFO', service: 'inference-worker', inRequest: true, fields: ['output_location'],
    optional: ['bytes', 'image_index'], description: 'One image written to storage (local dir or S3).',
  },
  notification_sent: {
    level: 'INFO', service: 'notifier', inRequest: true, fields: ['attempt', 'http_status'],
    optional: ['status', 'url'], description: 'Webhook delivered (2xx). `url` without query string or credentials; never the signing secret.',
  },
  request_complete: {
    level: 'INFO', service: 'api-server, inference-worker', inRequest: true, fields: ['status'],
    optional: [...DIFFUSION, 'model_version', 'queue_ms', 'inference_time_ms', 'total_ms', 'output_location', 'device', 'peak_memory_mb', 'peak_gpu_memory_mb'],
    description: 'The generation finished successfully: the full seed field set.',
  },
  request_failed: {
    level: 'ERROR', service: 'any', inRequest: true, fields: ['status'],
    optional: ['error.type', 'error.message', 'error.code', 'error.stack', ...DIFFUSION],
    description: 'The generation failed for good (no retry left): error.type = the DSC_ERR_* code, error.message; error.stack when an Error is at hand.',
  },
  job_retry: {
    level: 'WARN', service: 'inference-worker, notifier', inRequest: true, fields: ['attempt', 'error.type', 'error.message'],
    optional: ['error.code', 'error.stack', 'max_attempts', 'delay_ms'], description: 'An attempt failed and will be retried after delay_ms.',
  },
  prompt_hash_secret_random: {
    level: 'WARN', service: 'any', inRequest: false, fields: ['message'],
    description: 'No DIFFSCOPE_PROMPT_HASH_SECRET: prompt_hash uses a random per-process key.',
  },
  shutdown_started: {
    level: 'INFO', service: 'any', inRequest: false, fields: ['signal'], description: 'SIGTERM/SIGINT received; running shutdown hooks.',
  },
  shutdown_complete: {
    level: 'INFO', service: 'any', inRequest: false, fields: ['signal'], description: 'Hooks done and telemetry flushed; exiting 0.',
  },
  shutdown_hook_failed: {
    level: 'ERROR', service: 'any', inRequest: false, fields: ['error.type', 'error.message'], description: 'A shutdown hook threw; the others still run.',
  },
  shutdown_timeout: {
    level: 'ERROR', service: 'any', inRequest: false, fields: ['signal', 'grace_ms'], description: 'Shutdown took longer than the grace period; exiting 1.',
  },
  shutdown_forced: {
    level: 'WARN', service: 'any', inRequest: false, fields: ['signal'], description: 'Second signal during shutdown; exiting 1 at once.',
  },
  telemetry_flush_failed: {
    level: 'WARN', service: 'any', inRequest: false, fields: ['error.type', 'error.message'], description: 'Spans/log records could not be flushed at shutdown.',
  },
} as const satisfies Record<string, LogEventSpec>;

export type LogEventName = keyof typeof LOG_EVENTS;

const ISO_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const LEVELS = new Set(['DEBUG', 'INFO', 'WARN', 'ERROR']);

/** Problems with one parsed log line (empty array = valid). Unknown events get the base checks only. */
export function validateLogRecord(record: Record<string, unknown>, options: { inRequest?: boolean } = {}): string[] {
  const problems: string[] = [];
  for (const key of BASE_LOG_FIELDS) if (record[key] === undefined) problems.push(`missing ${key}`);
  if (typeof record.timestamp === 'string' && !ISO_MS_UTC.test(record.timestamp)) problems.push('timestamp is not ISO-8601 UTC with ms');
  if (typeof record.level !== 'string' || !LEVELS.has(record.level)) problems.push(`bad level ${String(record.level)}`);
  if (typeof record.event === 'string' && !/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(record.event)) problems.push('event is not snake_case');
  const spec = (LOG_EVENTS as Record<string, LogEventSpec>)[String(record.event)];
  if (spec !== undefined) {
    if (record.level !== spec.level) problems.push(`level ${String(record.level)} != ${spec.level}`);
    for (const key of spec.fields) if (record[key] === undefined) problems.push(`missing ${key}`);
  }
  if (options.inRequest ?? spec?.inRequest ?? false) {
    for (const key of REQUEST_LOG_FIELDS) if (record[key] === undefined) problems.push(`missing ${key}`);
    if (record.trace_id !== undefined && !/^[0-9a-f]{32}$/.test(String(record.trace_id))) problems.push('trace_id is not 32 hex');
    if (record.span_id !== undefined && !/^[0-9a-f]{16}$/.test(String(record.span_id))) problems.push('span_id is not 16 hex');
  }
  return problems;
}
