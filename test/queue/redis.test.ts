import { randomUUID } from 'node:crypto';
import { RedisQueueBackend } from '../../src/queue/redis-queue.js';
import { probeTcp, REDIS_URL } from './servers.js';
import { queueConformance } from './conformance.js';

const prefix = `dsc-test-${randomUUID().slice(0, 8)}`;

queueConformance({
  name: 'redis (BullMQ)',
  unavailable: await probeTcp(REDIS_URL, 6379),
  create: ({ leaseMs }) => RedisQueueBackend.connect({ url: REDIS_URL, prefix, leaseMs }),
  childEnv: () => ({ DIFFSCOPE_QUEUE: 'redis', DIFFSCOPE_REDIS_URL: REDIS_URL, FIXTURE_REDIS_PREFIX: prefix }),
});
