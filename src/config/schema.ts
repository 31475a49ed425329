/**
 * The one configuration schema. Every setting is an environment variable (`DIFFSCOPE_*`,
 * plus the standard `OTEL_*` ones that the OpenTelemetry SDK reads itself); CLI flags of
 * `diffscope <service>` map onto the same names. docs/configuration.md lists them all; each
 * `.describe()` is the one-line text of `diffscope <command> --help`.
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** The spellings a boolean setting accepts; the CLI turns `--flag` / `--no-flag` into them. */
export const BOOLEAN_WORDS = ['true', 'false', '1', '0', 'yes', 'no'] as const;
const bool = z.enum(BOOLEAN_WORDS).transform((v) => v === 'true' || v === '1' || v === 'yes');

export const configSchema = z.object({
  DIFFSCOPE_INSTANCE_ID: z
    .string()
    .min(1)
    .optional()
    .describe('instance_id in logs and service.instance.id in traces (default: host name, service and pid)'),
  DIFFSCOPE_LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error'])
    .default('info')
    .describe('lowest level written: debug, info, warn or error'),
  /** Line format of the JSON logs (src/telemetry/log-formats/); `seed` is the contract of docs/telemetry.md. */
  DIFFSCOPE_LOG_FORMAT: z
    .enum(['seed', 'ecs', 'datadog', 'gcp'])
    .default('seed')
    .describe(
      'JSON log line format: seed (default), ecs (Elastic Common Schema), datadog (dd.* correlation, status), gcp (Cloud Logging severity and trace fields)',
    ),
  DIFFSCOPE_GCP_PROJECT_ID: z
    .string()
    .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a Google Cloud project id (6-30 lower-case letters, digits, hyphens)')
    .optional()
    .describe('Google Cloud project of logging.googleapis.com/trace in gcp log lines (default: GOOGLE_CLOUD_PROJECT)'),
  DIFFSCOPE_DATA_DIR: z
    .string()
    .min(1)
    .default('.diffscope')
    .describe('folder of the embedded queue, state and explorer databases, and the default output folder'),
  /** HMAC-SHA-256 key for `prompt_hash`. Without it a random per-process key is used (and warned about). */
  DIFFSCOPE_PROMPT_HASH_SECRET: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe(
      'key of the HMAC-SHA-256 prompt_hash; set one per deployment so hashes compare across processes (default: random per process, warned)',
    ),

  // api-server
  DIFFSCOPE_API_HOST: z.string().default('127.0.0.1').describe('api-server bind address (0.0.0.0 to serve other machines)'),
  DIFFSCOPE_API_PORT: port.default(8080).describe('api-server port'),
  /** `key1:clientA,key2:clientB`; empty → every request is `anonymous`. */
  DIFFSCOPE_API_KEYS: z
    .string()
    .default('')
    .refine((s) => s === '' || s.split(',').every((pair) => /^[^:\s]+:[^:\s]+$/.test(pair.trim())), {
      error: 'expected comma-separated key:client_id pairs, e.g. "k1:alice,k2:bob"',
    })
    .describe('key1:clientA,key2:clientB; when set every request needs Authorization: Bearer <key> (default: anonymous)'),
  DIFFSCOPE_PUBLIC_URL: z
    .url()
    .optional()
    .describe(
      "base of the image URLs given to clients and webhooks, and an allowed Host (default: the bind address; never the request's Host header)",
    ),
  DIFFSCOPE_MAX_QUEUE_DEPTH: positiveInt
    .default(256)
    .describe('queued generations (all clients) above which new ones get 429 with Retry-After'),
  DIFFSCOPE_MAX_BODY_BYTES: positiveInt.default(65_536).describe('request body limit (413 above)'),
  DIFFSCOPE_MAX_PROMPT_CHARS: positiveInt.default(2_000).describe('prompt length limit (400 above)'),
  DIFFSCOPE_SYNC_TIMEOUT_MS: positiveInt.default(120_000).describe('how long the OpenAI-compatible endpoint waits for the image'),
  /** Per-client admission quotas, reserved atomically with the record (src/state): waiting, and waiting + running. */
  DIFFSCOPE_CLIENT_MAX_QUEUED: positiveInt.default(64).describe('generations one client may have waiting (429 beyond)'),
  DIFFSCOPE_CLIENT_MAX_ACTIVE: positiveInt.default(128).describe('generations one client may have waiting or running (429 beyond)'),
  /** Concurrent SSE streams: per client, and in all (429 beyond). */
  DIFFSCOPE_SSE_MAX_STREAMS_PER_CLIENT: positiveInt.default(16).describe('open event streams per client (429 beyond)'),
  DIFFSCOPE_SSE_MAX_STREAMS: positiveInt.default(1_000).describe('open event streams in all (429 beyond)'),
  /** With API keys: an incoming traceparent is continued only when this is true (else linked, new trace). */
  DIFFSCOPE_TRUST_INCOMING_TRACE_CONTEXT: bool
    .default(false)
    .describe('with API keys: continue an incoming traceparent (else link it and start a new trace)'),

  // every HTTP server (api-server, explorer, OTLP receiver): src/http
  /** Host names allowed besides loopback and the public URL's (DNS-rebinding guard); `*` allows any. */
  DIFFSCOPE_ALLOWED_HOSTS: z
    .string()
    .default('')
    .describe("Host names served besides loopback and the public URL's (DNS-rebinding guard); * allows any"),
  DIFFSCOPE_HTTP_HEADERS_TIMEOUT_MS: positiveInt.default(10_000).describe('time a client has to send the request headers'),
  DIFFSCOPE_HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(30_000).describe('time a client has to send the whole request'),
  DIFFSCOPE_HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(5_000).describe('how long an idle keep-alive connection stays open'),
  DIFFSCOPE_HTTP_IDLE_TIMEOUT_MS: positiveInt.default(60_000).describe('socket inactivity after which a connection is closed'),

  // queue
  DIFFSCOPE_QUEUE: z
    .enum(['sqlite', 'redis', 'rabbitmq'])
    .default('sqlite')
    .describe('job queue: sqlite (embedded, one machine), redis (BullMQ) or rabbitmq'),
  DIFFSCOPE_QUEUE_NAME: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]+$/)
    .default('diffscope')
    .describe("queue name (the notifier's queue is <name>-completions)"),
  DIFFSCOPE_REDIS_URL: z.string().default('redis://127.0.0.1:6379').describe('Redis for the queue and/or the state'),
  /** A Redis command (queue producer, state store) that gets no answer within this fails (503), rather than waiting out an outage. */
  DIFFSCOPE_REDIS_COMMAND_TIMEOUT_MS: positiveInt
    .default(2_000)
    .describe('a Redis command without an answer within this fails (503) instead of waiting out an outage'),
  DIFFSCOPE_AMQP_URL: z.string().default('amqp://guest:guest@127.0.0.1:5672').describe('RabbitMQ for the queue'),
  DIFFSCOPE_QUEUE_MAX_ATTEMPTS: positiveInt.default(3).describe('deliveries before a job is failed and dead-lettered'),
  DIFFSCOPE_QUEUE_BACKOFF_MS: positiveInt.default(1_000).describe('first retry delay, doubled each attempt'),
  DIFFSCOPE_QUEUE_MAX_BACKOFF_MS: positiveInt.default(30_000).describe('retry delay cap'),
  /** Visibility timeout of a delivery (SQLite lease, BullMQ lock), renewed while the job runs. */
  DIFFSCOPE_QUEUE_LEASE_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(10_000)
    .describe("visibility timeout of a delivery, renewed while the job runs: a killed worker's job comes back after about this long"),

  // generation state
  DIFFSCOPE_STATE: z
    .enum(['sqlite', 'postgres', 'redis'])
    .default('sqlite')
    .describe('generation state: sqlite (one machine), postgres or redis (many)'),
  DIFFSCOPE_POSTGRES_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres').describe('PostgreSQL for the state'),
  DIFFSCOPE_POSTGRES_CONNECT_TIMEOUT_MS: positiveInt.default(2_000).describe('PostgreSQL connection timeout'),
  /** Client-side deadline of one PostgreSQL query (also sent as statement_timeout). */
  DIFFSCOPE_POSTGRES_QUERY_TIMEOUT_MS: positiveInt
    .default(2_000)
    .describe('deadline of one PostgreSQL query (also sent as statement_timeout)'),
  /** SQLite state and queue: how long a call waits, off the event loop, for a lock another process holds (then 503 DSC_ERR_STATE_BUSY / DSC_ERR_QUEUE_UNAVAILABLE). */
  DIFFSCOPE_SQLITE_LOCK_WAIT_MS: positiveInt
    .default(2_000)
    .describe("how long a SQLite state or queue write waits for another process's lock (then 503)"),
  /** Retention of finished generations (src/generation/retention.ts): the api-server's sweep removes them; Redis also expires their keys after it. */
  DIFFSCOPE_RETENTION_HOURS: z.coerce
    .number()
    .min(0)
    .default(168)
    .describe('finished generations (record, events, images) are removed this many hours after they finished (0: kept forever)'),
  DIFFSCOPE_RETENTION_SWEEP_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(600_000)
    .describe('how often an api-server removes the generations past DIFFSCOPE_RETENTION_HOURS (0: this api-server does not)'),

  // storage
  DIFFSCOPE_STORAGE: z.enum(['local', 's3']).default('local').describe('where images are stored: local folder or s3'),
  DIFFSCOPE_OUTPUT_DIR: z.string().optional().describe('local output folder (default: <data dir>/outputs)'),
  DIFFSCOPE_S3_BUCKET: z.string().optional().describe('S3 bucket (required with --storage s3)'),
  DIFFSCOPE_S3_PREFIX: z.string().default('').describe('key prefix inside the bucket'),
  DIFFSCOPE_S3_ENDPOINT: z.url().optional().describe('endpoint of any S3-compatible store (MinIO, R2, Ceph...; default: AWS)'),
  DIFFSCOPE_S3_REGION: z.string().default('us-east-1').describe('S3 region'),
  DIFFSCOPE_S3_FORCE_PATH_STYLE: bool.default(false).describe('path-style S3 addressing (most self-hosted stores need it)'),

  // inference
  DIFFSCOPE_MODELS_DIR: z.string().default('models').describe('folder of models, one sub-folder each (diffusers/optimum ONNX layout)'),
  DIFFSCOPE_DEFAULT_MODEL: z.string().default('shapes-v1').describe('model of requests that name none'),
  DIFFSCOPE_MODEL_CACHE_MB: positiveInt.default(2_048).describe('memory budget of loaded models (least recently used unloaded first)'),
  DIFFSCOPE_INTRA_OP_THREADS: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('ONNX Runtime threads per operator (0: ONNX Runtime decides)'),
  DIFFSCOPE_GRAPH_OPTIMIZATION: z
    .enum(['disabled', 'basic', 'extended', 'all'])
    .default('all')
    .describe('ONNX Runtime graph optimisation level'),
  /** `auto`: WebGPU when an adapter is found, else CPU (the choice is logged). */
  DIFFSCOPE_EXECUTION_PROVIDER: z
    .enum(['cpu', 'webgpu', 'auto', 'cuda'])
    .default('cpu')
    .describe('where inference runs: cpu, webgpu (Vulkan), auto (WebGPU when an adapter is found, else CPU) or cuda'),
  /** WebGPU provider options (docs/inference.md, GPU section). */
  DIFFSCOPE_WEBGPU_LAYOUT: z
    .enum(['NCHW', 'NHWC'])
    .default('NCHW')
    .describe("WebGPU provider's preferred layout for layout-sensitive operators"),
  DIFFSCOPE_WEBGPU_VALIDATION: z
    .enum(['disabled', 'wgpuOnly', 'basic', 'full'])
    .default('basic')
    .describe('WebGPU validation level (disabled may crash the process on a WebGPU error)'),
  /** Which nvidia-smi GPU the worker reports (`device`, GPU memory and utilisation); Vulkan picks the adapter. */
  DIFFSCOPE_GPU_INDEX: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('the GPU (nvidia-smi index) whose name, memory and utilisation the worker reports'),

  /** Worker and notifier: serve OpenMetrics at http://<DIFFSCOPE_METRICS_HOST>:<port>/metrics (off when unset). */
  DIFFSCOPE_METRICS_PORT: port
    .optional()
    .describe(
      'worker and notifier: serve OpenMetrics /metrics and /healthz on this port (default: off; diffscope start: 9464 and the next)',
    ),
  DIFFSCOPE_METRICS_HOST: z.string().default('127.0.0.1').describe("bind address of the worker's and notifier's metrics endpoint"),

  // worker
  DIFFSCOPE_WORKER_CONCURRENCY: positiveInt.default(1).describe('jobs one worker runs at once'),
  DIFFSCOPE_WORKER_PRELOAD: bool
    .default(true)
    .describe(
      'load and warm the default model when the worker starts, so /readyz does not wait for a first job (false: the first job loads it)',
    ),
  /** Dynamic batching (docs/inference.md): 1 = off. The worker takes at least this many jobs at once. */
  DIFFSCOPE_BATCH_MAX: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .describe('most images (sum of n) one UNet batch of compatible requests may hold (1: batching off)'),
  DIFFSCOPE_BATCH_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(25)
    .describe('how long the first request of a batch waits for compatible ones before the batch runs'),
  DIFFSCOPE_SHUTDOWN_GRACE_MS: positiveInt
    .default(10_000)
    .describe('on SIGTERM, how long in-flight work may finish before it is handed back'),

  // notifier
  DIFFSCOPE_WEBHOOK_SECRET: z.string().optional().describe('HMAC key of the webhook signature headers (unsigned without it, warned)'),
  DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: bool.default(false).describe('allow webhook URLs on loopback, private and link-local addresses'),
  DIFFSCOPE_WEBHOOK_MAX_ATTEMPTS: positiveInt.default(5).describe('webhook delivery attempts (exponential backoff)'),
  DIFFSCOPE_WEBHOOK_TIMEOUT_MS: positiveInt
    .default(10_000)
    .describe('total deadline of one webhook delivery attempt: connection, answer headers and body read'),
  DIFFSCOPE_WEBHOOK_MAX_RESPONSE_BYTES: positiveInt
    .default(4_096)
    .describe('webhook answer body bytes read at most; the rest is not waited for'),
  DIFFSCOPE_WEBHOOK_CONCURRENCY: positiveInt.default(8).describe('webhook attempts in flight in all, per notifier'),
  DIFFSCOPE_WEBHOOK_MAX_PER_CLIENT: positiveInt.default(2).describe('webhook attempts in flight for one client, per notifier'),
  DIFFSCOPE_WEBHOOK_MAX_PER_HOST: positiveInt.default(2).describe('webhook attempts in flight to one receiving host name, per notifier'),
  /** The notifier fails generations left queued/running without a live job (src/generation/reconciler.ts). */
  DIFFSCOPE_RECONCILE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(30_000)
    .describe('notifier: how often stuck generations are looked for (0: never)'),
  DIFFSCOPE_RECONCILE_GRACE_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(120_000)
    .describe('a generation queued or running with no live job for this long is failed (DSC_ERR_GENERATION_LOST)'),
  DIFFSCOPE_RECONCILE_UNKNOWN_MAX_AGE_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(6 * 3_600_000)
    .describe('queues that cannot tell whether a job is live (RabbitMQ): a generation queued or running this long is failed'),

  // explorer
  DIFFSCOPE_EXPLORER_HOST: z.string().default('127.0.0.1').describe('explorer bind address; a non-loopback address requires a token'),
  DIFFSCOPE_EXPLORER_PORT: port.default(16686).describe('explorer UI and Jaeger-compatible query API port'),
  DIFFSCOPE_OTLP_PORT: port.default(4318).describe('explorer OTLP/HTTP receiver port'),
  /** Unset: 4317 when free, else off with a warning (a local Collector or Jaeger often holds it); a port: that one or fail; 0: off. */
  DIFFSCOPE_OTLP_GRPC_PORT: port
    .optional()
    .describe('explorer OTLP/gRPC receiver port, traces and logs (default: 4317 when free, else off with a warning; 0: off)'),
  DIFFSCOPE_EXPLORER_TOKEN: z.string().optional().describe("bearer token of the explorer's API and receiver (the CLI sends it too)"),
  DIFFSCOPE_EXPLORER_DB: z.string().optional().describe('explorer database file (default: <data dir>/explorer.db)'),
  DIFFSCOPE_EXPLORER_RETENTION_HOURS: positiveInt.default(168).describe('traces and logs older than this are deleted'),
  DIFFSCOPE_EXPLORER_MAX_DB_MB: positiveInt.default(2_048).describe('explorer database size cap: the oldest data is deleted above it'),
  DIFFSCOPE_OTLP_MAX_BODY_BYTES: positiveInt.default(16 * 1024 * 1024).describe('largest OTLP request (after gunzip)'),
  /** Span/log times further ahead than this are clamped to the receive time (the original kept as an attribute). */
  DIFFSCOPE_EXPLORER_MAX_FUTURE_SKEW_MS: positiveInt
    .default(600_000)
    .describe('span and log times further ahead than this are clamped to the receive time'),
  /** Tail-based sampling in the explorer (src/explorer/sampling/, docs/explorer.md): policy names follow the Collector's tail_sampling processor. */
  DIFFSCOPE_TAIL_SAMPLING: z
    .enum(['off', 'on'])
    .default('off')
    .describe('explorer tail-based sampling: off (store every trace) or on (decide per trace once it is complete)'),
  DIFFSCOPE_TAIL_SAMPLING_DECISION_WAIT_MS: positiveInt
    .default(10_000)
    .describe(
      "tail sampling: quiet time after a trace looks complete (root and consumer spans in) before it is decided (the Collector's decision_wait)",
    ),
  DIFFSCOPE_TAIL_SAMPLING_MAX_TRACE_WAIT_MS: positiveInt
    .default(600_000)
    .describe('tail sampling: a trace still incomplete this long after its first record is decided with what arrived'),
  DIFFSCOPE_TAIL_SAMPLING_MAX_TRACES: positiveInt
    .default(50_000)
    .describe('tail sampling: undecided traces held in memory (num_traces); past it the oldest is decided early'),
  DIFFSCOPE_TAIL_SAMPLING_MAX_RECORDS: positiveInt
    .default(200_000)
    .describe('tail sampling: spans and log records held in memory; past it the oldest trace is decided early'),
  DIFFSCOPE_TAIL_SAMPLING_DECISION_CACHE_SIZE: positiveInt
    .default(100_000)
    .describe('tail sampling: decisions remembered so late spans and logs follow them (decision_cache)'),
  DIFFSCOPE_TAIL_SAMPLING_LATENCY_THRESHOLD_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(60_000)
    .describe('tail sampling latency policy: keep traces at least this long end to end (0: off)'),
  DIFFSCOPE_TAIL_SAMPLING_GROUP_PERCENTILE: z.coerce
    .number()
    .min(0)
    .max(100)
    .default(95)
    .describe('tail sampling group_latency policy: keep traces slower than this percentile of their model/sampler/steps group (0: off)'),
  DIFFSCOPE_TAIL_SAMPLING_GROUP_MIN_TRACES: positiveInt
    .default(20)
    .describe('tail sampling group_latency policy: traces a group must have seen before its percentile is used'),
  DIFFSCOPE_TAIL_SAMPLING_GROUP_WINDOW: positiveInt
    .default(500)
    .describe("tail sampling group_latency policy: the percentile is over the group's last this many traces, kept or dropped"),
  DIFFSCOPE_TAIL_SAMPLING_PERCENTAGE: z.coerce
    .number()
    .min(0)
    .max(100)
    .default(10)
    .describe('tail sampling probabilistic policy: percent of the other traces kept, by trace id'),
  DIFFSCOPE_TAIL_SAMPLING_MAX_TRACES_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('tail sampling rate_limiting: kept traces per clock minute at most (0: no cap)'),
  DIFFSCOPE_TAIL_SAMPLING_DROPPED_LOGS: z
    .enum(['drop', 'keep'])
    .default('drop')
    .describe('tail sampling: logs of a dropped trace are dropped with it, or kept'),
  // client commands (generate, trace, logs, models) and the all-in-one's console
  DIFFSCOPE_API_URL: z.url().optional().describe('api-server the client commands talk to (default: http://<api host>:<api port>)'),
  DIFFSCOPE_API_KEY: z
    .string()
    .min(1)
    .optional()
    .describe('key the client commands send as a bearer token (one of the api-server keys in DIFFSCOPE_API_KEYS)'),
  DIFFSCOPE_EXPLORER_URL: z
    .url()
    .optional()
    .describe('explorer the client commands read traces and logs from (default: http://<explorer host>:<explorer port>)'),
  /** Only how lines are shown on a terminal: the JSON line schema is the same in every mode. */
  DIFFSCOPE_CONSOLE: z
    .enum(['auto', 'pretty', 'json'])
    .default('auto')
    .describe(
      'what diffscope start prints: pretty (one readable line per event), json (the JSON lines), auto (pretty when stdout is a terminal, json when piped)',
    ),
});

export type RawConfig = z.infer<typeof configSchema>;
