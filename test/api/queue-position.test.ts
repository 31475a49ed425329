/**
 * Queue position and ETA on each queue transport (issue 10, item 3): SQLite queue + SQLite
 * state, Redis (BullMQ) + Redis state, RabbitMQ + PostgreSQL state. The place is read from the
 * state store for all three (RabbitMQ has no positional query), so this proves one rule holds
 * whichever transport carries the jobs, on every store.
 */
import { AMQP_URL, POSTGRES_URL, REDIS_URL, probeTcp } from '../queue/servers.js';
import { queuePositionSuite } from './queue-position-backends.js';
import type { PostgresGenerationStore } from '../../src/state/postgres-generation-store.js';
import type { RedisGenerationStore } from '../../src/state/redis-generation-store.js';

queuePositionSuite({
  name: 'sqlite queue, sqlite state',
  unavailable: null,
  env: () => ({ DIFFSCOPE_QUEUE: 'sqlite', DIFFSCOPE_STATE: 'sqlite' }),
});

const redisDown = await probeTcp(REDIS_URL, 6379);
queuePositionSuite({
  name: 'redis (BullMQ) queue, redis state',
  unavailable: redisDown,
  env: () => ({ DIFFSCOPE_QUEUE: 'redis', DIFFSCOPE_STATE: 'redis', DIFFSCOPE_REDIS_URL: REDIS_URL }),
  cleanup: (store) => (store as RedisGenerationStore).deleteAll(),
});

const rabbitOrPostgresDown = (await probeTcp(AMQP_URL, 5672)) ?? (await probeTcp(POSTGRES_URL, 5432));
queuePositionSuite({
  name: 'rabbitmq queue, postgres state',
  unavailable: rabbitOrPostgresDown,
  env: () => ({
    DIFFSCOPE_QUEUE: 'rabbitmq',
    DIFFSCOPE_STATE: 'postgres',
    DIFFSCOPE_AMQP_URL: AMQP_URL,
    DIFFSCOPE_POSTGRES_URL: POSTGRES_URL,
  }),
  cleanup: (store) => (store as PostgresGenerationStore).dropTables(),
});
