/**
 * The log contract, proven on the real thing: `diffscope start` runs the supervisor, the explorer,
 * an api-server, a worker and a notifier as OS processes (bin/diffscope.mjs, as `npm start` does);
 * generations go through them (succeeded with a webhook, an outcome the webhook did not subscribe
 * to, a cancel, a rejected body, a URL refused before routing, an OpenAI-style synchronous call,
 * a malformed OTLP payload, a crashed and restarted service), the stack is stopped with SIGTERM,
 * and every JSON line any of them printed on stdout is validated against the catalogue in
 * src/contract/log-events.ts: known event, its level, a service allowed to write it, required
 * fields with their types, optional ones with theirs, nothing undeclared, and the request fields
 * (with one trace id per request) wherever the event is written inside a request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOG_EVENTS, REQUEST_LOG_FIELDS, validateLogRecord, type LogEventName } from '../../src/contract/index.js';
import { assertBuilt, eventually, freePort, ServiceProcess, tempDir, type LogLine } from '../e2e/harness.js';
import { TEST_MODELS_DIR } from '../e2e/stack.js';
import { webhookReceiver } from '../e2e/trace-assertions.js';

const BIN = fileURLToPath(new URL('../../bin/diffscope.mjs', import.meta.url));
/** Every line of the run, for reading a failure (test-artifacts/ is git-ignored). */
const LINES_FILE = fileURLToPath(new URL('../../test-artifacts/log-lines.jsonl', import.meta.url));

/** Events this run must produce: if one is missing, the run did not exercise what it claims. */
const EXPECTED_EVENTS: LogEventName[] = [
  'stack_ready',
  'service_started',
  'service_crashed',
  'stack_stopping',
  'stack_stopped',
  'explorer_started',
  'otlp_payload_rejected',
  'api_listening',
  'worker_started',
  'notifier_started',
  'metrics_listening',
  'request_received',
  'request_rejected',
  'job_enqueued',
  'job_dequeued',
  'model_load_start',
  'model_load_complete',
  'inference_start',
  'sampling_step',
  'inference_complete',
  'result_stored',
  'request_complete',
  'notification_sent',
  'notification_skipped',
  'shutdown_started',
  'worker_stopping',
  'worker_stopped',
  'shutdown_complete',
];

describe('every line the real services print matches the log catalogue', () => {
  const data = tempDir('diffscope-log-lines-');
  let stack: ServiceProcess;
  let ports: { api: number; explorer: number; otlp: number };
  const requestIds = new Map<string, string>();

  const api = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`http://127.0.0.1:${ports.api}${path}`, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });

  async function submit(body: Record<string, unknown>): Promise<{ id: string; trace_id: string }> {
    const response = await api('/v1/generations', { method: 'POST', body: JSON.stringify(body) });
    expect(response.status).toBe(202);
    const json = (await response.json()) as { id: string; trace_id: string };
    requestIds.set(json.id, json.trace_id);
    return json;
  }

  async function terminal(id: string): Promise<string> {
    return eventually(
      async () => {
        const { status } = (await (await api(`/v1/generations/${id}`)).json()) as { status: string };
        return ['succeeded', 'failed', 'canceled'].includes(status) ? status : undefined;
      },
      90_000,
      `${id} to finish`,
    );
  }

  beforeAll(async () => {
    assertBuilt();
    ports = { api: await freePort(), explorer: await freePort(), otlp: await freePort() };
    stack = new ServiceProcess(
      'start',
      {
        DIFFSCOPE_DATA_DIR: data.path,
        DIFFSCOPE_MODELS_DIR: TEST_MODELS_DIR,
        DIFFSCOPE_DEFAULT_MODEL: 'tiny-pixel',
        // DEBUG too, so the debug events are checked as well.
        DIFFSCOPE_LOG_LEVEL: 'debug',
        DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE: 'true',
        DIFFSCOPE_WEBHOOK_SECRET: 'log-lines-webhook-secret',
        DIFFSCOPE_PROMPT_HASH_SECRET: 'log-lines-test-secret-0123456789',
        DIFFSCOPE_METRICS_PORT: String(await freePort()),
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_BLRP_SCHEDULE_DELAY: '200',
      },
      [BIN, 'start', '--api-port', String(ports.api), '--explorer-port', String(ports.explorer), '--otlp-port', String(ports.otlp)],
    );
    await stack.waitForEvent('stack_ready', 150_000);
    await stack.waitForEvent('worker_started', 60_000);
    await stack.waitForEvent('notifier_started', 60_000);
  }, 240_000);

  afterAll(async () => {
    await stack?.stop(30_000);
    data.remove();
  }, 60_000);

  it('runs generations, rejections, a cancel, a sync call, a bad OTLP payload and a crash through the stack', async () => {
    const hook = await webhookReceiver();
    try {
      // Succeeded, webhook subscribed: the whole lifecycle, model load included (first request).
      const delivered = await submit({
        prompt: 'a red circle',
        steps: 6,
        seed: 1,
        n: 2,
        webhook: { url: hook.url, events: ['succeeded'] },
      });
      expect(await terminal(delivered.id)).toBe('succeeded');
      await eventually(async () => hook.received.some((w) => w.body.id === delivered.id), 30_000, 'the webhook');

      // An outcome the webhook did not subscribe to: notification_skipped (DEBUG).
      const unsubscribed = await submit({ prompt: 'a blue square', steps: 4, seed: 2, webhook: { url: hook.url, events: ['failed'] } });
      expect(await terminal(unsubscribed.id)).toBe('succeeded');
      await stack.waitForEvent('notification_skipped', 30_000, (l) => l.request_id === unsubscribed.id);

      // A cancel: the second job waits behind the first (one worker slot) unless the first is done already.
      const first = await submit({ prompt: 'a green triangle', steps: 150, seed: 3, n: 8 });
      const second = await submit({ prompt: 'a yellow circle', steps: 150, seed: 4, n: 8 });
      const cancel = await api(`/v1/generations/${second.id}/cancel`, { method: 'POST', body: '{}' });
      expect([200, 202, 409]).toContain(cancel.status);
      await terminal(first.id);
      await terminal(second.id);

      // Rejections: a body over the limits (inside a request) and a URL refused before routing.
      const rejected = await api('/v1/generations', { method: 'POST', body: JSON.stringify({ prompt: 'x', steps: 100_000 }) });
      expect(rejected.status).toBe(400);
      const undecodable = await api('/v1/generations/%zz', { method: 'GET', headers: {} });
      expect(undecodable.status).toBeGreaterThanOrEqual(400);
      expect(undecodable.status).toBeLessThan(500);

      // OpenAI-style synchronous call: the api-server's own request_complete.
      const sync = await api('/v1/images/generations', { method: 'POST', body: JSON.stringify({ prompt: 'a red square', n: 1 }) });
      expect(sync.status).toBe(200);

      // A malformed OTLP payload to the explorer's receiver: otlp_payload_rejected (DEBUG).
      const otlp = await fetch(`http://127.0.0.1:${ports.otlp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"resourceSpans": 7}',
      });
      expect(otlp.status).toBe(400);
      await stack.waitForEvent('otlp_payload_rejected', 30_000);

      // A crashed service: the supervisor's service_crashed and the restart.
      const ready = stack.lines.find((l) => l.event === 'stack_ready')!;
      const notifierPid = (ready.pids as Record<string, number>).notifier;
      const notifierStarts = stack.lines.filter((l) => l.event === 'notifier_started').length;
      process.kill(notifierPid, 'SIGKILL');
      await stack.waitForEvent('service_crashed', 30_000, (l) => l.child_service === 'notifier');
      await eventually(
        async () => stack.lines.filter((l) => l.event === 'notifier_started').length > notifierStarts,
        90_000,
        'notifier restarted',
      );
    } finally {
      await hook.close();
    }
  }, 300_000);

  it('stops on SIGTERM, every service writing its shutdown lines', async () => {
    expect(await stack.stop(30_000)).toBe(0);
    expect(stack.lines.some((l) => l.event === 'stack_stopped')).toBe(true);
  }, 60_000);

  it('every printed line is valid against the catalogue', () => {
    mkdirSync(path.dirname(LINES_FILE), { recursive: true });
    writeFileSync(LINES_FILE, stack.lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const unparsed = stack.lines.filter((l) => 'unparsed' in l);
    expect(unparsed, 'stdout lines that are not JSON').toEqual([]);
    // Grouped by event and problem, one example line each, so a failure reads as a list of rule breaks.
    const invalid = new Map<string, { count: number; example: LogLine }>();
    for (const line of stack.lines) {
      for (const problem of validateLogRecord(line)) {
        const key = `${String(line.service)} ${String(line.event)}: ${problem}`;
        const entry = invalid.get(key);
        if (entry) entry.count++;
        else invalid.set(key, { count: 1, example: line });
      }
    }
    const report = [...invalid].map(([key, { count, example }]) => `${key} (${count}×), e.g. ${JSON.stringify(example)}`);
    expect(report.join('\n'), `${report.length} rule breaks; every line is in ${LINES_FILE}`).toBe('');
    expect(stack.lines.length).toBeGreaterThan(100);
  });

  it('produced the events it set out to, from the services the catalogue names', () => {
    const seen = new Set(stack.lines.map((l) => String(l.event)));
    expect(
      EXPECTED_EVENTS.filter((e) => !seen.has(e)),
      'expected events never printed',
    ).toEqual([]);
    const services = new Set(stack.lines.map((l) => String(l.service)));
    for (const service of ['supervisor', 'explorer', 'api-server', 'inference-worker', 'notifier']) expect(services).toContain(service);
    const notSeen = Object.keys(LOG_EVENTS).filter((e) => !seen.has(e));
    console.info(
      `log-lines: ${stack.lines.length} lines, ${seen.size} of ${Object.keys(LOG_EVENTS).length} catalogued events seen; not exercised: ${notSeen.join(', ')}`,
    );
  });

  it('every line about one request carries its request id, client id and one trace id', () => {
    for (const [requestId, traceId] of requestIds) {
      const lines = stack.lines.filter((l) => l.request_id === requestId);
      expect(lines.length, requestId).toBeGreaterThan(3);
      for (const line of lines) {
        for (const key of REQUEST_LOG_FIELDS) expect(line[key], `${key} on ${JSON.stringify(line)}`).toBeDefined();
        expect(line.trace_id, JSON.stringify(line)).toBe(traceId);
      }
    }
  });

  it('the check is not vacuous: a real line loses a required field or changes a type, and fails', () => {
    const complete = stack.lines.find((l) => l.event === 'inference_complete')!;
    expect(validateLogRecord(complete)).toEqual([]);
    const { steps: _steps, ...withoutSteps } = complete;
    expect(validateLogRecord(withoutSteps)).toEqual(['missing steps']);
    expect(validateLogRecord({ ...complete, steps: String(complete.steps) })).toEqual(['steps is string, expected integer']);
    expect(validateLogRecord({ ...complete, prompt: 'never logged' })).toEqual(['undeclared field prompt']);
  });
});
