import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// s3rver ships CommonJS without types.
// @ts-expect-error no type declarations
import S3rver from 's3rver';
import { loadConfig } from '../../src/config/index.js';
import { LocalObjectStore, S3ObjectStore, createObjectStore, imageKey } from '../../src/storage/index.js';

const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

describe('LocalObjectStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dsc-local-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips an image under <request_id>/<k>.png with a file:// location', async () => {
    const store = new LocalObjectStore({ outputDir: dir });
    const { location, bytes } = await store.put(imageKey('req_1', 0), png, 'image/png');
    expect(bytes).toBe(png.length);
    expect(location).toBe(pathToFileURL(join(dir, 'req_1', '0.png')).href);
    expect(await store.get(location)).toEqual(png);
  });

  it('returns null for missing objects and for locations outside its root', async () => {
    const store = new LocalObjectStore({ outputDir: dir });
    expect(await store.get(pathToFileURL(join(dir, 'nope', '0.png')).href)).toBeNull();
    const outside = join(tmpdir(), `dsc-outside-${process.pid}.txt`);
    await writeFile(outside, 'secret');
    expect(await store.get(pathToFileURL(outside).href)).toBeNull();
    expect(await store.get('s3://bucket/key')).toBeNull();
    await rm(outside, { force: true });
  });

  it('rejects keys that escape the root', async () => {
    const store = new LocalObjectStore({ outputDir: dir });
    await expect(store.put('../evil.png', png, 'image/png')).rejects.toMatchObject({ code: 'DSC_ERR_STORAGE_FAILED' });
    await expect(store.put('/etc/evil.png', png, 'image/png')).rejects.toMatchObject({ code: 'DSC_ERR_STORAGE_FAILED' });
  });

  it('is what createObjectStore gives by default, under <data dir>/outputs', async () => {
    const store = createObjectStore(loadConfig({}, { DIFFSCOPE_DATA_DIR: dir }));
    expect(store.kind).toBe('local');
    const { location } = await store.put(imageKey('req_2', 1), png, 'image/png');
    expect(location).toBe(pathToFileURL(join(dir, 'outputs', 'req_2', '1.png')).href);
  });
});

describe('S3ObjectStore against s3rver', () => {
  let server: { run(): Promise<AddressInfo>; close(): Promise<void> };
  let dir: string;
  let endpoint: string;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dsc-s3rver-'));
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: 'images' }] });
    const address = await server.run();
    endpoint = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips an image with an s3:// location', async () => {
    const store = new S3ObjectStore({ bucket: 'images', prefix: 'gen/', region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
    const { location, bytes } = await store.put(imageKey('req_3', 0), png, 'image/png');
    expect(location).toBe('s3://images/gen/req_3/0.png');
    expect(bytes).toBe(png.length);
    expect(await store.get(location)).toEqual(png);
    expect(await store.get('s3://images/gen/req_3/9.png')).toBeNull();
    expect(await store.get('s3://other-bucket/gen/req_3/0.png')).toBeNull();
    await store.close();
  });

  it('is configured from DIFFSCOPE_S3_* by createObjectStore (credentials from the AWS env chain)', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
    try {
      const store = createObjectStore(
        loadConfig(
          {},
          {
            DIFFSCOPE_STORAGE: 's3',
            DIFFSCOPE_S3_BUCKET: 'images',
            DIFFSCOPE_S3_ENDPOINT: endpoint,
            DIFFSCOPE_S3_FORCE_PATH_STYLE: 'true',
          },
        ),
      );
      expect(store.kind).toBe('s3');
      const { location } = await store.put(imageKey('req_4', 0), png, 'image/png');
      expect(location).toBe('s3://images/req_4/0.png');
      expect(await store.get(location)).toEqual(png);
      await store.close();
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });

  it('requires a bucket when DIFFSCOPE_STORAGE=s3', () => {
    expect(() => createObjectStore(loadConfig({}, { DIFFSCOPE_STORAGE: 's3' }))).toThrow(/DIFFSCOPE_S3_BUCKET/);
  });
});
