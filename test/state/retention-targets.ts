/**
 * The state stores and object stores that removal (DELETE, the retention sweep) must work on:
 * SQLite (a temp file), PostgreSQL (own table prefix), Redis (own key prefix); the local folder
 * and S3 (s3rver on a random port, as test/storage does). A store whose server does not answer is
 * skipped with its reason, except under CI where that fails.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';
import type { GenerationStore } from '../../src/generation/index.js';
import { SqliteGenerationStore } from '../../src/state/index.js';
import { PostgresGenerationStore } from '../../src/state/postgres-generation-store.js';
import { RedisGenerationStore } from '../../src/state/redis-generation-store.js';
import { LocalObjectStore, S3ObjectStore, type ObjectStore } from '../../src/storage/index.js';
import { POSTGRES_URL, probeTcp, REDIS_URL } from '../queue/servers.js';

export type StoreKind = 'sqlite' | 'postgres' | 'redis';

export interface OpenedStore {
  store: GenerationStore;
  /** What the store's own kind needs in a test (the Redis key prefix, to play an expiry). */
  redisPrefix?: string;
  close(): Promise<void>;
}

export interface StoreTarget {
  kind: StoreKind;
  unavailable: string | null;
  /** A fresh, empty store (own file, table prefix or key prefix); close() drops what it made. */
  open(): Promise<OpenedStore>;
}

export async function storeTargets(): Promise<StoreTarget[]> {
  const targets: StoreTarget[] = [
    {
      kind: 'sqlite',
      unavailable: null,
      async open() {
        const dir = await mkdtemp(join(tmpdir(), 'dsc-removal-'));
        const store = new SqliteGenerationStore({ file: join(dir, 'state.sqlite'), pollMs: 10 });
        return {
          store,
          async close() {
            await store.close();
            await rm(dir, { recursive: true, force: true });
          },
        };
      },
    },
    {
      kind: 'postgres',
      unavailable: await probeTcp(POSTGRES_URL, 5432),
      async open() {
        const store = await PostgresGenerationStore.connect({
          connectionString: POSTGRES_URL,
          tablePrefix: `dsc_rm_${randomUUID().slice(0, 8)}_`,
        });
        return {
          store,
          async close() {
            await store.dropTables();
            await store.close();
          },
        };
      },
    },
    {
      kind: 'redis',
      unavailable: await probeTcp(REDIS_URL, 6379),
      async open() {
        const redisPrefix = `dsc-rm-${randomUUID().slice(0, 8)}:`;
        const store = await RedisGenerationStore.connect({ url: REDIS_URL, keyPrefix: redisPrefix });
        return {
          store,
          redisPrefix,
          async close() {
            await store.deleteAll();
            await store.close();
          },
        };
      },
    },
  ];
  for (const target of targets) {
    if (target.unavailable && process.env.CI === 'true')
      throw new Error(`${target.kind} is needed for the removal tests under CI: ${target.unavailable}`);
    if (target.unavailable) console.warn(`skipping ${target.kind} removal tests: ${target.unavailable}`);
  }
  return targets;
}

export type ObjectStoreKind = 'local' | 's3';

export interface OpenedObjectStore {
  objectStore: ObjectStore;
  /** Every object key (relative to the store's root or prefix) it holds now. */
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

/** A local folder or an S3 bucket on a fresh s3rver, empty. */
export async function openObjectStore(kind: ObjectStoreKind): Promise<OpenedObjectStore> {
  const dir = await mkdtemp(join(tmpdir(), `dsc-removal-${kind}-`));
  if (kind === 'local') {
    const objectStore = new LocalObjectStore({ outputDir: join(dir, 'outputs') });
    const { readdir } = await import('node:fs/promises');
    return {
      objectStore,
      keys: async () =>
        (await readdir(objectStore.root, { recursive: true, withFileTypes: true }).catch(() => []))
          .filter((entry) => entry.isFile())
          .map((entry) => join(entry.parentPath, entry.name).slice(objectStore.root.length + 1))
          .sort(),
      async close() {
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: [{ name: 'diffscope-images' }],
  });
  const { port } = (await server.run()) as AddressInfo;
  const options = {
    bucket: 'diffscope-images',
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  };
  const objectStore = new S3ObjectStore({ ...options, prefix: 'outputs/' });
  const { ListObjectsV2Command, S3Client } = await import('@aws-sdk/client-s3');
  const lister = new S3Client(options);
  return {
    objectStore,
    async keys() {
      const page = await lister.send(new ListObjectsV2Command({ Bucket: options.bucket, Prefix: 'outputs/' }));
      return (page.Contents ?? []).map((object) => object.Key!.slice('outputs/'.length)).sort();
    },
    async close() {
      lister.destroy();
      await objectStore.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
