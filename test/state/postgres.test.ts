import { randomUUID } from 'node:crypto';
import { PostgresGenerationStore } from '../../src/state/postgres-generation-store.js';
import { POSTGRES_URL, probeTcp } from '../queue/servers.js';
import { storeConformance } from './conformance.js';

const tablePrefix = `dsc_test_${randomUUID().slice(0, 8)}_`;
const open = () => PostgresGenerationStore.connect({ connectionString: POSTGRES_URL, tablePrefix });

storeConformance({
  name: 'postgres',
  unavailable: await probeTcp(POSTGRES_URL, 5432),
  open,
  cleanup: async () => {
    const store = await open();
    await store.dropTables();
    await store.close();
  },
});
