/**
 * Webhook tarpits (issue 9, item 10): receivers that answer `200` and then trickle one byte
 * every 2 s used to hold every notifier slot, so nobody else's webhook went out (a victim was
 * not delivered within 25 s). Here the api-server and a worker run in this process (the real
 * SQLite queue and store, the real pipeline) and the notifier runs as its own process (the built
 * CLI, `diffscope notifier`); 8 tarpits on 127.0.0.1 and 1 victim on 127.0.0.2.
 *
 * The attempt deadline is set far beyond the test (60 s), so it is not what frees the slots:
 * the victim must get through while the tarpits still hold their connections, because one client
 * (or one host) holds at most its own share of the slots. The victim's delivery time is printed.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, eventually, ServiceProcess } from '../../e2e/harness.js';
import { startStack, type Stack } from '../../support/serving-stack.js';
import { OpenCounter, startTarpit, startVictim, type Tarpit, type Victim } from './receivers.js';

const TARPITS = 8;
const PER_CLIENT = 2;
const PER_HOST = 2;

interface Scenario {
  stack: Stack;
  notifier: ServiceProcess;
  tarpits: Tarpit[];
  victim: Victim;
  counter: OpenCounter;
}

let running: Scenario | undefined;

/** One client per tarpit generation (`clients`), each with its API key, plus `alice` for the victim. */
async function startScenario(clients: string[]): Promise<Scenario> {
  const keys = [...new Set([...clients, 'alice'])].map((c) => `key-${c}:${c}`).join(',');
  const stack = await startStack({ worker: true, env: { DIFFSCOPE_API_KEYS: keys, DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  const notifier = new ServiceProcess('notifier', {
    DIFFSCOPE_DATA_DIR: stack.dir,
    DIFFSCOPE_PROMPT_HASH_SECRET: 'test-prompt-hash-secret-0123456789',
    DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true',
    DIFFSCOPE_WEBHOOK_TIMEOUT_MS: '60000',
    DIFFSCOPE_WEBHOOK_CONCURRENCY: '8',
    DIFFSCOPE_WEBHOOK_MAX_PER_CLIENT: String(PER_CLIENT),
    DIFFSCOPE_WEBHOOK_MAX_PER_HOST: String(PER_HOST),
    DIFFSCOPE_RECONCILE_INTERVAL_MS: '0',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  });
  await notifier.waitForEvent('notifier_started', 30_000);
  const counter = new OpenCounter();
  const tarpits = await Promise.all(Array.from({ length: TARPITS }, () => startTarpit(counter, { host: '127.0.0.1', trickleMs: 2_000 })));
  const victim = await startVictim('127.0.0.2');
  running = { stack, notifier, tarpits, victim, counter };
  return running;
}

async function submit(stack: Stack, client: string, webhookUrl: string): Promise<string> {
  const res = await stack.app.inject({
    method: 'POST',
    url: '/v1/generations',
    headers: { 'content-type': 'application/json', authorization: `Bearer key-${client}` },
    payload: { prompt: 'a red circle', model: 'tiny-pixel', steps: 2, webhook: { url: webhookUrl } },
  });
  expect(res.statusCode).toBe(202);
  return res.json<{ id: string }>().id;
}

async function finished(stack: Stack, id: string): Promise<number> {
  const record = await eventually(
    async () => {
      const r = await stack.store.get(id);
      return r?.finishedAt !== undefined ? r : undefined;
    },
    60_000,
    `${id} to finish`,
  );
  return record.finishedAt!;
}

/** Tarpit webhooks first (held open), then the victim's; returns the victim's delivery time. */
async function runScenario(clients: string[]): Promise<{ deliveryMs: number; openAtArrival: number; maxOpen: number }> {
  const { stack, tarpits, victim, counter } = await startScenario(clients);
  const held = await Promise.all(clients.map((client, i) => submit(stack, client, tarpits[i].url)));
  for (const id of held) await finished(stack, id);
  // Every tarpit webhook is in the notifier now; the ones it could start are being trickled.
  await eventually(async () => counter.now > 0, 30_000, 'tarpits to hold connections');
  const id = await submit(stack, 'alice', victim.url);
  const finishedAt = await finished(stack, id);
  const arrivedAt = await eventually(async () => victim.arrivals.get(id), 30_000, 'the victim webhook');
  return { deliveryMs: arrivedAt - finishedAt, openAtArrival: counter.now, maxOpen: counter.max };
}

describe('webhook tarpits do not stall other clients (real notifier process)', () => {
  beforeAll(() => assertBuilt());
  afterEach(async () => {
    if (!running) return;
    const { stack, notifier, tarpits, victim } = running;
    running = undefined;
    await notifier.stop();
    await Promise.all(tarpits.map((t) => t.close()));
    await victim.close();
    await stack.close();
  });

  it('one client with 8 tarpit receivers holds at most its per-client share; the victim is delivered meanwhile', async () => {
    const result = await runScenario(Array.from({ length: TARPITS }, () => 'mallory'));
    console.info(
      `[webhook-tarpit] one client, ${TARPITS} tarpits: victim delivered ${result.deliveryMs} ms after its generation finished; tarpit connections open then: ${result.openAtArrival}, at most ${result.maxOpen}`,
    );
    expect(result.openAtArrival).toBeGreaterThan(0); // still held: not the deadline that let it through
    expect(result.maxOpen).toBeLessThanOrEqual(PER_CLIENT);
  }, 120_000);

  it('8 clients whose tarpits share one host hold at most the per-host share; the victim on another host is delivered meanwhile', async () => {
    const result = await runScenario(Array.from({ length: TARPITS }, (_, i) => `mallory${i}`));
    console.info(
      `[webhook-tarpit] ${TARPITS} clients, one tarpit host: victim delivered ${result.deliveryMs} ms after its generation finished; tarpit connections open then: ${result.openAtArrival}, at most ${result.maxOpen}`,
    );
    expect(result.openAtArrival).toBeGreaterThan(0);
    expect(result.maxOpen).toBeLessThanOrEqual(PER_HOST);
  }, 120_000);
});
