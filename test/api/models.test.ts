/**
 * Model discovery: `GET /v1/models` and `GET /v1/models/{id}` in OpenAI's shape (checked with the
 * official `openai` client against a listening api-server), and size errors that name the sizes
 * the model draws.
 */
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLER_NAMES, createInferencePipeline, type InferencePipeline } from '../../src/inference/index.js';
import { startStack, type Stack } from '../support/serving-stack.js';
import { installTestTracing } from '../support/tracing.js';

installTestTracing();

const API_KEY = 'models-test-key';
const SHIPPED_MODELS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');

describe('GET /v1/models', () => {
  let stack: Stack;
  let baseUrl: string;
  beforeAll(async () => {
    stack = await startStack({ env: { DIFFSCOPE_API_KEYS: `${API_KEY}:alice` } });
    await stack.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const get = (url: string, key: string | null = API_KEY) =>
    stack.app.inject({ url, headers: key ? { authorization: `Bearer ${key}` } : {} });

  it("lists every model the api-server validates against, in OpenAI's list shape plus sizes, samplers and version", async () => {
    const res = await get('/v1/models');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.object).toBe('list');
    const known = stack.pipeline.listModels();
    expect(body.data.map((m: { id: string }) => m.id)).toEqual(known.map((m) => m.id));
    for (const info of known) {
      const model = body.data.find((m: { id: string }) => m.id === info.id);
      expect(model).toMatchObject({
        id: info.id,
        object: 'model',
        owned_by: 'diffscope',
        version: info.version,
        kind: info.kind,
        default: info.id === stack.config.DIFFSCOPE_DEFAULT_MODEL,
        default_size: `${info.defaultWidth}x${info.defaultHeight}`,
        sizes: { min: info.sizes.min, max: info.sizes.max, multiple_of: info.sizes.multipleOf },
        samplers: [...SAMPLER_NAMES],
      });
      expect(Number.isInteger(model.created) && model.created > 0).toBe(true);
      // The path on the server's disk is not the client's business.
      expect(JSON.stringify(model)).not.toContain(info.path);
    }
    expect(body.data.filter((m: { default: boolean }) => m.default).map((m: { id: string }) => m.id)).toEqual(['tiny-pixel']);
  });

  it('describes each size rule in words: one size, or a range with its step', async () => {
    const one = (await get('/v1/models/tiny-pixel')).json();
    expect(one.sizes.summary).toBe('16x16');
    const range = (await get('/v1/models/tiny-sd')).json();
    expect(range.sizes.summary).toBe('widths and heights from 64 to 2048 in multiples of 64');
  });

  it('answers one model by id, and 404 in the error shape for an unknown one', async () => {
    const res = await get('/v1/models/tiny-sd');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'tiny-sd', object: 'model', kind: 'latent' });

    const missing = await get('/v1/models/sdxl-turbo');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('DSC_ERR_API_NOT_FOUND');
    expect(missing.json().error.message).toContain('tiny-pixel');
  });

  it('needs an API key like every other /v1 route', async () => {
    const res = await get('/v1/models', null);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('DSC_ERR_API_UNAUTHORIZED');
  });

  it('works with the official openai client: models.list() and models.retrieve()', async () => {
    const openai = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: API_KEY, maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of openai.models.list()) {
      expect(model.object).toBe('model');
      expect(typeof model.created).toBe('number');
      expect(model.owned_by).toBe('diffscope');
      ids.push(model.id);
    }
    expect(ids).toEqual(stack.pipeline.listModels().map((m) => m.id));
    const one = await openai.models.retrieve('tiny-sd');
    expect(one.id).toBe('tiny-sd');
    await expect(openai.models.retrieve('no-such-model')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'wrong', maxRetries: 0 }).models.list()).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
  });

  it('a size the model cannot draw is refused with the sizes it draws (native and OpenAI routes)', async () => {
    const post = (url: string, payload: object) =>
      stack.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        payload,
      });

    const fixed = await post('/v1/generations', { prompt: 'a red square', width: 64, height: 64 });
    expect(fixed.statusCode).toBe(400);
    expect(fixed.json().error).toEqual({
      code: 'DSC_ERR_INFER_BAD_SIZE',
      message: 'model tiny-pixel draws 16x16; got 64x64',
      field: 'width',
    });

    const heightOnly = await post('/v1/generations', { prompt: 'a red square', height: 17 });
    expect(heightOnly.json().error).toEqual({
      code: 'DSC_ERR_INFER_BAD_SIZE',
      message: 'model tiny-pixel draws 16x16; got 16x17',
      field: 'height',
    });

    const range = await post('/v1/generations', { prompt: 'a red square', model: 'tiny-sd', width: 100, height: 64 });
    expect(range.json().error).toEqual({
      code: 'DSC_ERR_INFER_BAD_SIZE',
      message: 'model tiny-sd draws widths and heights from 64 to 2048 in multiples of 64; got 100x64',
      field: 'width',
    });

    const openAi = await post('/v1/images/generations', { prompt: 'a red square', size: '64x64' });
    expect(openAi.statusCode).toBe(400);
    expect(openAi.json().error).toMatchObject({
      code: 'DSC_ERR_INFER_BAD_SIZE',
      message: 'model tiny-pixel draws 16x16; got 64x64',
      param: 'size',
    });
  });
});

describe('the shipped model', () => {
  let pipeline: InferencePipeline;
  let stack: Stack;
  beforeAll(async () => {
    pipeline = await createInferencePipeline({ modelsDir: SHIPPED_MODELS });
    stack = await startStack({ pipeline, env: { DIFFSCOPE_MODELS_DIR: SHIPPED_MODELS, DIFFSCOPE_DEFAULT_MODEL: 'shapes-v1' } });
  });
  afterAll(async () => {
    await stack?.close();
    await pipeline?.close();
  });

  it('is listed as the default and names its one size when asked for another', async () => {
    const list = (await stack.app.inject({ url: '/v1/models' })).json();
    expect(list.data).toEqual([expect.objectContaining({ id: 'shapes-v1', default: true, default_size: '32x32' })]);
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/generations',
      headers: { 'content-type': 'application/json' },
      payload: { prompt: 'a large orange circle', width: 64, height: 64 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('model shapes-v1 draws 32x32; got 64x64');
  });
});
