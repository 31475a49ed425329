/**
 * Which settings each command uses, so `diffscope <command> --help` lists those and no others.
 * Settings are grouped by the part of the system that reads them. A setting missing here is still
 * accepted by every service command (its flag is generated from the schema like all others); the
 * test in test/cli/help.test.ts names it so it gets a group.
 */
const GROUPS = {
  /** Every long-running service: logging, identity, data folder, shutdown. */
  process: ['DIFFSCOPE_INSTANCE_ID', 'DIFFSCOPE_LOG_LEVEL', 'DIFFSCOPE_LOG_FORMAT', 'DIFFSCOPE_GCP_PROJECT_ID', 'DIFFSCOPE_DATA_DIR', 'DIFFSCOPE_PROMPT_HASH_SECRET', 'DIFFSCOPE_SHUTDOWN_GRACE_MS'],
  api: [
    'DIFFSCOPE_API_HOST',
    'DIFFSCOPE_API_PORT',
    'DIFFSCOPE_API_KEYS',
    'DIFFSCOPE_PUBLIC_URL',
    'DIFFSCOPE_MAX_QUEUE_DEPTH',
    'DIFFSCOPE_MAX_BODY_BYTES',
    'DIFFSCOPE_MAX_PROMPT_CHARS',
    'DIFFSCOPE_SYNC_TIMEOUT_MS',
    'DIFFSCOPE_CLIENT_MAX_QUEUED',
    'DIFFSCOPE_CLIENT_MAX_ACTIVE',
    'DIFFSCOPE_SSE_MAX_STREAMS_PER_CLIENT',
    'DIFFSCOPE_SSE_MAX_STREAMS',
    'DIFFSCOPE_TRUST_INCOMING_TRACE_CONTEXT',
    'DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE',
  ],
  http: [
    'DIFFSCOPE_ALLOWED_HOSTS',
    'DIFFSCOPE_HTTP_HEADERS_TIMEOUT_MS',
    'DIFFSCOPE_HTTP_REQUEST_TIMEOUT_MS',
    'DIFFSCOPE_HTTP_KEEP_ALIVE_TIMEOUT_MS',
    'DIFFSCOPE_HTTP_IDLE_TIMEOUT_MS',
  ],
  queue: [
    'DIFFSCOPE_QUEUE',
    'DIFFSCOPE_QUEUE_NAME',
    'DIFFSCOPE_REDIS_URL',
    'DIFFSCOPE_REDIS_COMMAND_TIMEOUT_MS',
    'DIFFSCOPE_AMQP_URL',
    'DIFFSCOPE_QUEUE_MAX_ATTEMPTS',
    'DIFFSCOPE_QUEUE_BACKOFF_MS',
    'DIFFSCOPE_QUEUE_MAX_BACKOFF_MS',
    'DIFFSCOPE_QUEUE_LEASE_MS',
  ],
  state: [
    'DIFFSCOPE_STATE',
    'DIFFSCOPE_REDIS_URL',
    'DIFFSCOPE_POSTGRES_URL',
    'DIFFSCOPE_POSTGRES_CONNECT_TIMEOUT_MS',
    'DIFFSCOPE_POSTGRES_QUERY_TIMEOUT_MS',
    'DIFFSCOPE_SQLITE_LOCK_WAIT_MS',
  ],
  storage: [
    'DIFFSCOPE_STORAGE',
    'DIFFSCOPE_OUTPUT_DIR',
    'DIFFSCOPE_S3_BUCKET',
    'DIFFSCOPE_S3_PREFIX',
    'DIFFSCOPE_S3_ENDPOINT',
    'DIFFSCOPE_S3_REGION',
    'DIFFSCOPE_S3_FORCE_PATH_STYLE',
  ],
  models: ['DIFFSCOPE_MODELS_DIR', 'DIFFSCOPE_DEFAULT_MODEL'],
  inference: [
    'DIFFSCOPE_MODEL_CACHE_MB',
    'DIFFSCOPE_INTRA_OP_THREADS',
    'DIFFSCOPE_GRAPH_OPTIMIZATION',
    'DIFFSCOPE_EXECUTION_PROVIDER',
    'DIFFSCOPE_WEBGPU_LAYOUT',
    'DIFFSCOPE_WEBGPU_VALIDATION',
    'DIFFSCOPE_GPU_INDEX',
    'DIFFSCOPE_WORKER_CONCURRENCY',
  ],
  metrics: ['DIFFSCOPE_METRICS_PORT', 'DIFFSCOPE_METRICS_HOST'],
  /** The notifier builds image URLs for webhooks from the api-server's address. */
  notifier: [
    'DIFFSCOPE_WEBHOOK_SECRET',
    'DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE',
    'DIFFSCOPE_WEBHOOK_MAX_ATTEMPTS',
    'DIFFSCOPE_WEBHOOK_TIMEOUT_MS',
    'DIFFSCOPE_PUBLIC_URL',
    'DIFFSCOPE_API_HOST',
    'DIFFSCOPE_API_PORT',
  ],
  explorer: [
    'DIFFSCOPE_EXPLORER_HOST',
    'DIFFSCOPE_EXPLORER_PORT',
    'DIFFSCOPE_OTLP_PORT',
    'DIFFSCOPE_EXPLORER_TOKEN',
    'DIFFSCOPE_EXPLORER_DB',
    'DIFFSCOPE_EXPLORER_RETENTION_HOURS',
    'DIFFSCOPE_EXPLORER_MAX_DB_MB',
    'DIFFSCOPE_OTLP_MAX_BODY_BYTES',
    'DIFFSCOPE_EXPLORER_MAX_FUTURE_SKEW_MS',
    'DIFFSCOPE_OUTPUT_DIR',
  ],
  console: ['DIFFSCOPE_CONSOLE'],
  apiClient: ['DIFFSCOPE_API_URL', 'DIFFSCOPE_API_KEY'],
  explorerClient: ['DIFFSCOPE_EXPLORER_URL', 'DIFFSCOPE_EXPLORER_TOKEN'],
} as const satisfies Record<string, readonly string[]>;

export type SettingGroup = keyof typeof GROUPS;

/** The settings of `groups`, once each, in group order. */
export function settingsOf(...groups: SettingGroup[]): string[] {
  return [...new Set(groups.flatMap((g) => GROUPS[g]))];
}

export function allGroupedSettings(): Set<string> {
  return new Set(Object.values(GROUPS).flat());
}
