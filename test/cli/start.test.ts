import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { assertBuilt, eventually, freePort, ServiceProcess, tempDir } from '../e2e/harness.js';
import { TEST_MODELS_DIR } from '../e2e/stack.js';

const BIN = fileURLToPath(new URL('../../bin/diffscope.mjs', import.meta.url));

describe('diffscope start (the all-in-one, as `npm start` runs it)', () => {
  const data = tempDir('diffscope-start-');
  let stack: ServiceProcess;
  let ports: { api: number; explorer: number; otlp: number };

  beforeAll(async () => {
    assertBuilt();
    ports = { api: await freePort(), explorer: await freePort(), otlp: await freePort() };
    stack = new ServiceProcess(
      'start',
      {
        DIFFSCOPE_DATA_DIR: data.path,
        DIFFSCOPE_MODELS_DIR: TEST_MODELS_DIR,
        DIFFSCOPE_DEFAULT_MODEL: 'tiny-pixel',
        // Two stacks on one machine must not fight over the default metrics port.
        DIFFSCOPE_METRICS_PORT: String(await freePort()),
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_BLRP_SCHEDULE_DELAY: '200',
      },
      [BIN, 'start', '--api-port', String(ports.api), '--explorer-port', String(ports.explorer), '--otlp-port', String(ports.otlp)],
    );
    await stack.waitForEvent('stack_ready', 150_000);
    await stack.waitForEvent('worker_started', 60_000);
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    data.remove();
  }, 60_000);

  it('runs every service as its own process, their JSON lines multiplexed unchanged on stdout', async () => {
    const ready = stack.lines.find((l) => l.event === 'stack_ready')!;
    const pids = ready.pids as Record<string, number>;
    expect(Object.keys(pids).sort()).toEqual(['api-server', 'explorer', 'inference-worker', 'notifier']);
    expect(new Set(Object.values(pids)).size).toBe(4);
    for (const service of ['api-server', 'inference-worker', 'notifier', 'explorer']) {
      const own = stack.lines.filter((l) => l.service === service);
      expect(own.length, service).toBeGreaterThan(0);
      for (const line of own) expect(typeof line.timestamp).toBe('string');
    }
    expect(stack.lines.filter((l) => 'unparsed' in l)).toEqual([]);
  });

  it('a curl-style request produces an image whose whole life is one trace in the explorer', async () => {
    const response = await fetch(`http://127.0.0.1:${ports.api}/v1/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a red circle', steps: 6, seed: 1 }),
    });
    expect(response.status).toBe(202);
    const { id, trace_id: traceId } = (await response.json()) as { id: string; trace_id: string };
    await eventually(
      async () => {
        const r = (await (await fetch(`http://127.0.0.1:${ports.api}/v1/generations/${id}`)).json()) as { status: string };
        return r.status === 'succeeded';
      },
      60_000,
      'success',
    );
    const trace = await eventually(
      async () => {
        const r = await fetch(`http://127.0.0.1:${ports.explorer}/api/traces/${traceId}`);
        if (!r.ok) return undefined;
        const t = ((await r.json()) as { data: { spans: { operationName: string }[] }[] }).data[0];
        return t.spans.some((s) => s.operationName === 'storage.put') && t.spans.some((s) => s.operationName === 'POST /v1/generations')
          ? t
          : undefined;
      },
      30_000,
      'trace in the explorer',
    );
    expect(trace.spans.map((s) => s.operationName)).toEqual(expect.arrayContaining(['queue.wait', 'inference', 'sampling']));
  });

  it('restarts a service that crashes', async () => {
    const ready = stack.lines.find((l) => l.event === 'stack_ready')!;
    const workerPid = (ready.pids as Record<string, number>)['inference-worker'];
    const startsBefore = stack.lines.filter((l) => l.event === 'worker_started').length;
    process.kill(workerPid, 'SIGKILL');
    await stack.waitForEvent('service_crashed', 30_000, (l) => l.child_service === 'inference-worker');
    await eventually(async () => stack.lines.filter((l) => l.event === 'worker_started').length > startsBefore, 90_000, 'worker restarted');
    const restarted = stack.lines.filter((l) => l.event === 'service_started' && l.child_service === 'inference-worker').at(-1)!;
    expect(restarted.restarts).toBe(1);
    expect(restarted.pid).not.toBe(workerPid);
  }, 120_000);

  it('stops every service on SIGTERM and exits 0', async () => {
    const pids = Object.values(stack.lines.find((l) => l.event === 'stack_ready')!.pids as Record<string, number>);
    const code = await stack.stop(30_000);
    expect(code).toBe(0);
    expect(stack.lines.some((l) => l.event === 'stack_stopped')).toBe(true);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);
});
