import { randomUUID } from 'node:crypto';
import { RedisGenerationStore } from '../../src/state/redis-generation-store.js';
import { probeTcp, REDIS_URL } from '../queue/servers.js';
import { storeConformance } from './conformance.js';

const keyPrefix = `dsc-test-${randomUUID().slice(0, 8)}:`;
const open = () => RedisGenerationStore.connect({ url: REDIS_URL, keyPrefix });

storeConformance({
  name: 'redis',
  unavailable: await probeTcp(REDIS_URL, 6379),
  open,
  cleanup: async () => {
    const store = await open();
    await store.deleteAll();
    await store.close();
  },
});
