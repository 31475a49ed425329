/** startNotifier end to end: only subscribed outcomes are posted; a queued cancel is notified too. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, type Stack } from '../support/serving-stack.js';
import { installTestTracing } from '../support/tracing.js';

installTestTracing();

describe('notifier', () => {
  let stack: Stack;
  let receiver: Server;
  let url: string;
  const bodies: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(JSON.parse(body));
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    stack = await startStack({ worker: true, notifier: true, logLevel: 'debug', env: { DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  });
  afterAll(async () => {
    await stack?.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  const create = (body: object) =>
    stack.app.inject({ method: 'POST', url: '/v1/generations', headers: { 'content-type': 'application/json' }, payload: body });

  it('skips outcomes the client did not subscribe to', async () => {
    const { id } = (await create({ prompt: 'a red circle', steps: 2, webhook: { url, events: ['failed'] } })).json();
    await eventually(() => stack.lines.some((l) => l.event === 'notification_skipped' && l.request_id === id));
    expect(bodies.some((b) => b.id === id)).toBe(false);
    expect((await stack.store.get(id))?.status).toBe('succeeded');
  });

  it('notifies a generation canceled while still queued', async () => {
    await stack.worker!.close({ graceMs: 0 }); // nothing takes jobs now
    const { id } = (await create({ prompt: 'a red circle', steps: 2, webhook: { url, events: ['canceled'] } })).json();
    const cancel = await stack.app.inject({ method: 'POST', url: `/v1/generations/${id}/cancel` });
    expect(cancel.statusCode).toBe(200);
    const body = await eventually(() => bodies.find((b) => b.id === id));
    expect(body).toMatchObject({ status: 'canceled', error: { code: 'DSC_ERR_INFER_CANCELED' }, output_locations: [] });
    expect(stack.lines.find((l) => l.event === 'notification_sent' && l.request_id === id)).toBeDefined();
  });
});
