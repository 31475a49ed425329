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

  // queue
  DIFFSCOPE_QUEUE: z.enum(['sqlite', 'redis', 'rabbitmq']).default('sqlite'),
  DIFFSCOPE_QUEUE_NAME: z.string().regex(/^[a-zA-Z0-9_.-]+$/).default('diffscope'),
  DIFFSCOPE_REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  DIFFSCOPE_AMQP_URL: z.string().default('amqp://guest:guest@127.0.0.1:5672'),
  DIFFSCOPE_QUEUE_MAX_ATTEMPTS: positiveInt.default(3),
  DIFFSCOPE_QUEUE_BACKOFF_MS: positiveInt.default(1_000),
  DIFFSCOPE_QUEUE_MAX_BACKOFF_MS: positiveInt.default(30_000),
  /** Visibility timeout of a delivery (SQLite lease, BullMQ lock), renewed while the job runs. */
  DIFFSCOPE_QUEUE_LEASE_MS: z.coerce.number().int().min(1_000).default(10_000),

  // generation state
  DIFFSCOPE_STATE: z.enum(['sqlite', 'postgres', 'redis']).default('sqlite'),
  DIFFSCOPE_POSTGRES_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),

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
  DIFFSCOPE_EXECUTION_PROVIDER: z.enum(['cpu', 'cuda']).default('cpu'),

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
