/**
 * The one configuration schema. Every setting is an environment variable (`DIFFSCOPE_*`,
 * plus the standard `OTEL_*` ones that the OpenTelemetry SDK reads itself); CLI flags of
 * `diffscope <service>` map onto the same names. docs/configuration.md lists them all.
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const configSchema = z.object({
  DIFFSCOPE_INSTANCE_ID: z.string().min(1).optional(),
  DIFFSCOPE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  DIFFSCOPE_DATA_DIR: z.string().min(1).default('.diffscope'),
  /** HMAC-SHA-256 key for `prompt_hash`. Without it a random per-process key is used (and warned about). */
  DIFFSCOPE_PROMPT_HASH_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),

  // api-server
  DIFFSCOPE_API_HOST: z.string().default('127.0.0.1'),
  DIFFSCOPE_API_PORT: port.default(8080),
  /** `key1:clientA,key2:clientB`; empty → every request is `anonymous`. */
  DIFFSCOPE_API_KEYS: z
    .string()
    .default('')
    .refine((s) => s === '' || s.split(',').every((pair) => /^[^:\s]+:[^:\s]+$/.test(pair.trim())), {
      message: 'expected comma-separated key:client_id pairs, e.g. "k1:alice,k2:bob"',
    }),
  DIFFSCOPE_PUBLIC_URL: z.string().url().optional(),
  DIFFSCOPE_MAX_QUEUE_DEPTH: positiveInt.default(256),
  DIFFSCOPE_MAX_BODY_BYTES: positiveInt.default(65_536),
  DIFFSCOPE_MAX_PROMPT_CHARS: positiveInt.default(2_000),
  DIFFSCOPE_SYNC_TIMEOUT_MS: positiveInt.default(120_000),
  /** Per-client admission quotas, reserved atomically with the record (src/state): waiting, and waiting + running. */
  DIFFSCOPE_CLIENT_MAX_QUEUED: positiveInt.default(64),
  DIFFSCOPE_CLIENT_MAX_ACTIVE: positiveInt.default(128),
  /** Concurrent SSE streams: per client, and in all (429 beyond). */
  DIFFSCOPE_SSE_MAX_STREAMS_PER_CLIENT: positiveInt.default(16),
  DIFFSCOPE_SSE_MAX_STREAMS: positiveInt.default(1_000),
  /** With API keys: an incoming traceparent is continued only when this is true (else linked, new trace). */
  DIFFSCOPE_TRUST_INCOMING_TRACE_CONTEXT: bool.default(false),

  // every HTTP server (api-server, explorer, OTLP receiver): src/http
  /** Host names allowed besides loopback and the public URL's (DNS-rebinding guard); `*` allows any. */
  DIFFSCOPE_ALLOWED_HOSTS: z.string().default(''),
  DIFFSCOPE_HTTP_HEADERS_TIMEOUT_MS: positiveInt.default(10_000),
  DIFFSCOPE_HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
  DIFFSCOPE_HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(5_000),
  DIFFSCOPE_HTTP_IDLE_TIMEOUT_MS: positiveInt.default(60_000),

  // queue
  DIFFSCOPE_QUEUE: z.enum(['sqlite', 'redis', 'rabbitmq']).default('sqlite'),
  DIFFSCOPE_QUEUE_NAME: z.string().regex(/^[a-zA-Z0-9_.-]+$/).default('diffscope'),
  DIFFSCOPE_REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** A Redis command (queue producer, state store) that gets no answer within this fails (503), rather than waiting out an outage. */
  DIFFSCOPE_REDIS_COMMAND_TIMEOUT_MS: positiveInt.default(2_000),
  DIFFSCOPE_AMQP_URL: z.string().default('amqp://guest:guest@127.0.0.1:5672'),
  DIFFSCOPE_QUEUE_MAX_ATTEMPTS: positiveInt.default(3),
  DIFFSCOPE_QUEUE_BACKOFF_MS: positiveInt.default(1_000),
  DIFFSCOPE_QUEUE_MAX_BACKOFF_MS: positiveInt.default(30_000),
  /** Visibility timeout of a delivery (SQLite lease, BullMQ lock), renewed while the job runs. */
  DIFFSCOPE_QUEUE_LEASE_MS: z.coerce.number().int().min(1_000).default(10_000),

  // generation state
  DIFFSCOPE_STATE: z.enum(['sqlite', 'postgres', 'redis']).default('sqlite'),
  DIFFSCOPE_POSTGRES_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
  DIFFSCOPE_POSTGRES_CONNECT_TIMEOUT_MS: positiveInt.default(2_000),
  /** Client-side deadline of one PostgreSQL query (also sent as statement_timeout). */
  DIFFSCOPE_POSTGRES_QUERY_TIMEOUT_MS: positiveInt.default(5_000),
  /** SQLite state: how long a write waits, off the event loop, for a lock another process holds (then 503 DSC_ERR_STATE_BUSY). */
  DIFFSCOPE_SQLITE_LOCK_WAIT_MS: positiveInt.default(2_000),

  // storage
  DIFFSCOPE_STORAGE: z.enum(['local', 's3']).default('local'),
  DIFFSCOPE_OUTPUT_DIR: z.string().optional(),
  DIFFSCOPE_S3_BUCKET: z.string().optional(),
  DIFFSCOPE_S3_PREFIX: z.string().default(''),
  DIFFSCOPE_S3_ENDPOINT: z.string().url().optional(),
  DIFFSCOPE_S3_REGION: z.string().default('us-east-1'),
  DIFFSCOPE_S3_FORCE_PATH_STYLE: bool.default(false),

  // inference
  DIFFSCOPE_MODELS_DIR: z.string().default('models'),
  DIFFSCOPE_DEFAULT_MODEL: z.string().default('shapes-v1'),
  DIFFSCOPE_MODEL_CACHE_MB: positiveInt.default(2_048),
  DIFFSCOPE_INTRA_OP_THREADS: z.coerce.number().int().min(0).default(0),
  DIFFSCOPE_GRAPH_OPTIMIZATION: z.enum(['disabled', 'basic', 'extended', 'all']).default('all'),
  /** `auto`: WebGPU when an adapter is found, else CPU (the choice is logged). */
  DIFFSCOPE_EXECUTION_PROVIDER: z.enum(['cpu', 'webgpu', 'auto', 'cuda']).default('cpu'),
  /** WebGPU provider options (docs/inference.md, GPU section). */
  DIFFSCOPE_WEBGPU_LAYOUT: z.enum(['NCHW', 'NHWC']).default('NCHW'),
  DIFFSCOPE_WEBGPU_VALIDATION: z.enum(['disabled', 'wgpuOnly', 'basic', 'full']).default('basic'),
  /** Which nvidia-smi GPU the worker reports (`device`, GPU memory and utilisation); Vulkan picks the adapter. */
  DIFFSCOPE_GPU_INDEX: z.coerce.number().int().min(0).default(0),

  /** Worker and notifier: serve OpenMetrics at http://<DIFFSCOPE_METRICS_HOST>:<port>/metrics (off when unset). */
  DIFFSCOPE_METRICS_PORT: port.optional(),
  DIFFSCOPE_METRICS_HOST: z.string().default('127.0.0.1'),

  // worker
  DIFFSCOPE_WORKER_CONCURRENCY: positiveInt.default(1),
  DIFFSCOPE_SHUTDOWN_GRACE_MS: positiveInt.default(10_000),

  // notifier
  DIFFSCOPE_WEBHOOK_SECRET: z.string().optional(),
  DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  DIFFSCOPE_WEBHOOK_MAX_ATTEMPTS: positiveInt.default(5),
  DIFFSCOPE_WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),

  // explorer
  DIFFSCOPE_EXPLORER_HOST: z.string().default('127.0.0.1'),
  DIFFSCOPE_EXPLORER_PORT: port.default(16686),
  DIFFSCOPE_OTLP_PORT: port.default(4318),
  DIFFSCOPE_EXPLORER_TOKEN: z.string().optional(),
  DIFFSCOPE_EXPLORER_DB: z.string().optional(),
  DIFFSCOPE_EXPLORER_RETENTION_HOURS: positiveInt.default(168),
  DIFFSCOPE_EXPLORER_MAX_DB_MB: positiveInt.default(2_048),
  DIFFSCOPE_OTLP_MAX_BODY_BYTES: positiveInt.default(16 * 1024 * 1024),
  /** Span/log times further ahead than this are clamped to the receive time (the original kept as an attribute). */
  DIFFSCOPE_EXPLORER_MAX_FUTURE_SKEW_MS: positiveInt.default(600_000),
});

export type RawConfig = z.infer<typeof configSchema>;
