/** The serving path with S3 storage (s3rver on a random port): s3:// locations, images served back by the API. */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';
import { S3ObjectStore } from '../../src/storage/index.js';
import { eventually, startStack, type Stack } from '../support/serving-stack.js';
import { installTestTracing, spansOfTrace } from '../support/tracing.js';

installTestTracing();

describe('serving with S3 storage', () => {
  let server: { run(): Promise<AddressInfo>; close(): Promise<void> };
  let dir: string;
  let stack: Stack;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dsc-s3rver-'));
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: 'diffscope-images' }] });
    const { port } = await server.run();
    const objectStore = new S3ObjectStore({
      bucket: 'diffscope-images',
      prefix: 'outputs/',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    stack = await startStack({ worker: true, objectStore });
  });
  afterAll(async () => {
    await stack?.close();
    await stack?.objectStore.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores s3:// outputs and serves them back as PNG', async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/generations',
      headers: { 'content-type': 'application/json' },
      payload: { prompt: 'a yellow triangle', steps: 2, n: 2 },
    });
    const { id, trace_id: traceId } = res.json();
    const done = await eventually(async () => {
      const r = await stack.app.inject({ url: `/v1/generations/${id}` });
      return r.json().status === 'succeeded' ? r.json() : undefined;
    });
    expect(done.output_locations).toEqual([`s3://diffscope-images/outputs/${id}/0.png`, `s3://diffscope-images/outputs/${id}/1.png`]);
    const img = await stack.app.inject({ url: `/v1/generations/${id}/images/1` });
    expect(img.statusCode).toBe(200);
    expect(PNG.sync.read(img.rawPayload).width).toBe(16);
    const puts = spansOfTrace(traceId).filter((s) => s.name === 'storage.put');
    expect(puts.map((s) => s.attributes['diffscope.storage.system'])).toEqual(['s3', 's3']);
    expect(puts.map((s) => s.attributes['diffusion.output_location'])).toEqual(done.output_locations);
    expect(stack.lines.filter((l) => l.event === 'result_stored' && l.request_id === id).map((l) => l.output_location)).toEqual(
      done.output_locations,
    );
  });
});
