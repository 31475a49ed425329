/**
 * The client commands through the real binary against a running all-in-one: `generate` (PNG saved
 * and valid, progress in a pseudo-terminal, `--json`, Ctrl-C cancels), `trace` (span names and the
 * explorer's critical path), `logs` (filters, --follow), `models --api`. The all-in-one itself runs
 * in a pseudo-terminal, so its console is the readable one (the pipe mode is test/cli/start.test.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JaegerTrace } from '../../src/contract/index.js';
import { computeCriticalPath, transformTrace } from '../../src/contract/trace-model/index.js';
import { assertBuilt, eventually, freePort, tempDir } from '../e2e/harness.js';
import { TEST_MODELS_DIR } from '../e2e/stack.js';
import { CliProcess, hasScript, runCli, stripAnsi } from './support/cli-process.js';

const pty = hasScript();

describe.skipIf(!pty)('diffscope generate / trace / logs / models against a running stack', () => {
  const data = tempDir('diffscope-cli-');
  const out = tempDir('diffscope-cli-out-');
  let stack: CliProcess;
  let env: Record<string, string>;
  let api: string;
  let explorer: string;

  beforeAll(async () => {
    assertBuilt();
    const ports = { api: await freePort(), explorer: await freePort(), otlp: await freePort(), metrics: await freePort() };
    api = `http://127.0.0.1:${ports.api}`;
    explorer = `http://127.0.0.1:${ports.explorer}`;
    stack = new CliProcess(
      ['start', '--api-port', String(ports.api), '--explorer-port', String(ports.explorer), '--otlp-port', String(ports.otlp)],
      {
        DIFFSCOPE_DATA_DIR: data.path,
        DIFFSCOPE_MODELS_DIR: TEST_MODELS_DIR,
        DIFFSCOPE_DEFAULT_MODEL: 'tiny-pixel',
        DIFFSCOPE_METRICS_PORT: String(ports.metrics),
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_BLRP_SCHEDULE_DELAY: '200',
      },
      { tty: true },
    );
    await stack.waitFor(/stack_ready/, 150_000);
    await stack.waitFor(/worker_started/, 60_000);
    env = { DIFFSCOPE_API_URL: api, DIFFSCOPE_EXPLORER_URL: explorer };
  }, 240_000);

  afterAll(async () => {
    if (stack && stack.child.exitCode === null) {
      stack.signal('SIGTERM');
      await stack.result(60_000);
    }
    data.remove();
    out.remove();
  }, 90_000);

  it('the all-in-one on a terminal prints one readable line per event: time, service, level, event, fields', () => {
    const lines = stripAnsi(stack.stdout)
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '');
    expect(lines.filter((l) => l.startsWith('{"'))).toEqual([]);
    const listening = lines.find((l) => / api_listening /.test(l))!;
    expect(listening).toMatch(/^\d\d:\d\d:\d\d\.\d{3} api-server +INFO +api_listening {2}url=http:\/\/127\.0\.0\.1:\d+ /);
    expect(lines.find((l) => / stack_ready /.test(l))).toMatch(/^\d\d:\d\d:\d\d\.\d{3} supervisor +INFO +stack_ready /);
    expect(lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} inference-worker +INFO +worker_started/.test(l))).toBe(true);
    // The service names are coloured on a terminal.
    expect(stack.stdout).toContain('\x1b[34mapi-server');
  });

  let generated: { id: string; trace_id: string; images: string[] };

  it('generate --json saves a valid PNG and prints one JSON object', async () => {
    const r = await runCli(['generate', 'a red circle', '--steps', '6', '--seed', '7', '--out', out.path, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('\x1b[');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    generated = JSON.parse(lines[0]) as typeof generated & { status: string; request_id: string; seed: number; explorer_url: string };
    const result = generated as typeof generated & { status: string; request_id: string; seed: number; explorer_url: string };
    expect(result.status).toBe('succeeded');
    expect(result.request_id).toBe(result.id);
    expect(result.seed).toBe(7);
    expect(result.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(result.explorer_url).toBe(`${explorer}/trace/${result.trace_id}`);
    expect(result.images).toEqual([path.join(out.path, `${result.id}-0.png`)]);
    const png = PNG.sync.read(readFileSync(result.images[0]));
    expect([png.width, png.height]).toEqual([16, 16]);
    const view = (await (await fetch(`${api}/v1/generations/${result.id}`)).json()) as { status: string };
    expect(view.status).toBe('succeeded');
  });

  it('generate on a terminal shows the progress step by step, then the paths and ids', async () => {
    const r = await runCli(['generate', 'a blue square', '--steps', '5', '--out', out.path], env, { tty: true });
    expect(r.code).toBe(0);
    const text = stripAnsi(r.stdout);
    for (let k = 1; k <= 5; k++) expect(text).toContain(`step ${k}/5`);
    expect(text).toMatch(/step 5\/5 +[\d.]+ it\/s +ETA/);
    expect(r.stdout).toContain('\r\x1b[2K'); // the line redrawn in place
    expect(text).toMatch(/✓ succeeded in/);
    const id = /request_id +(req_\w+)/.exec(text)![1];
    expect(text).toMatch(/trace_id +[0-9a-f]{32}/);
    expect(text).toContain(`${explorer}/trace/`);
    expect(existsSync(path.join(out.path, `${id}-0.png`))).toBe(true);
  });

  it('generate in a pipe: no bar, no colour, the state changes as plain lines', async () => {
    const r = await runCli(['generate', 'a green triangle', '--steps', '3', '--out', out.path], env);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('\x1b[');
    expect(r.stderr).toMatch(/^queued\nrunning\nstep 3\/3, [\d.]+ it\/s\n✓ succeeded/m);
    expect(r.stdout).toMatch(new RegExp(`^${out.path.replaceAll('/', '\\/')}\\/req_\\w+-0\\.png$`, 'm'));
  });

  it('NO_COLOR on a terminal: no bar and no colour', async () => {
    const r = await runCli(['generate', 'a circle', '--steps', '3', '--out', out.path], { ...env, NO_COLOR: '1' }, { tty: true });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stdout).toMatch(/running\r?\nstep 3\/3/);
  });

  it('a generation the server refuses exits 1 with its error', async () => {
    const r = await runCli(['generate', 'x', '--size', '64x64'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/api-server answered 400 .*DSC_ERR_INFER_BAD_SIZE: model tiny-pixel draws 16x16; got 64x64/);
  });

  it('Ctrl-C cancels the generation on the server and exits 130', async () => {
    // A slow request (the largest size of the tiny latent model, many steps) to interrupt while it runs.
    const cli = new CliProcess(['generate', 'slow', '--model', 'tiny-sd', '--size', '2048x2048', '--steps', '150', '--out', out.path], env);
    await cli.waitFor(/^running$/m, 60_000, 'stderr');
    cli.signal('SIGINT');
    const r = await cli.result(60_000);
    expect(r.code, r.stderr).toBe(130);
    const id = /canceling (req_\w+)/.exec(r.stderr)![1];
    expect(r.stderr).toMatch(/✗ canceled .*DSC_ERR_INFER_CANCELED/);
    const view = (await (await fetch(`${api}/v1/generations/${id}`)).json()) as { status: string; cancel_requested: boolean };
    expect(view).toMatchObject({ status: 'canceled', cancel_requested: true });
  }, 120_000);

  it('trace <request_id> draws the waterfall with the critical path the explorer UI computes', async () => {
    // Spans reach the explorer in batches: wait for the last one of the request.
    const trace = await eventually(
      async () => {
        const r = await fetch(`${explorer}/api/traces/${generated.trace_id}`);
        if (!r.ok) return undefined;
        const t = ((await r.json()) as { data: JaegerTrace[] }).data[0];
        return t.spans.some((s) => s.operationName === 'storage.put') ? t : undefined;
      },
      30_000,
      'the trace in the explorer',
    );
    const r = await runCli(['trace', generated.id], env);
    expect(r.code, r.stderr).toBe(0);
    const text = r.stdout;
    expect(text).not.toContain('\x1b[');
    expect(text).toContain(`trace ${generated.trace_id}`);
    expect(text).toMatch(/queue wait [\d.]+ (ms|s) · steps 6 · [\d.]+ it\/s · slowest step #\d+ /);
    // A span row: the mark column, the indented name, then service, start and duration; log lines hang off │.
    const rows = text.split('\n').filter((l) => /^[◆ ] {1,}\S.* (ms|s) {2}/.test(l) && !l.includes('│') && !l.startsWith('  span'));
    const rowName = (l: string) => l.slice(2, 42).trim();
    expect(rows.map(rowName)).toEqual(
      expect.arrayContaining(['POST /v1/generations', 'queue.wait', 'inference', 'sampling', 'storage.put']),
    );
    // The rows marked ◆ are exactly the spans on the shared critical path.
    const model = transformTrace(trace);
    const onPath = new Set([...computeCriticalPath(model).bySpan.keys()].map((i) => model.spans[i].operationName));
    const marked = new Set(rows.filter((l) => l.startsWith('◆')).map(rowName));
    expect(marked).toEqual(onPath);
    expect(marked.size).toBeGreaterThan(0);
    // A marked span's bar shows the time the request waited on it (█); the others have none.
    for (const row of rows) expect(row.includes('█'), row).toBe(row.startsWith('◆'));
    // Log lines sit under their spans.
    expect(text).toMatch(/│ \d\d:\d\d:\d\d\.\d{3} INFO +job_enqueued/);
    expect(text).toMatch(/◆ on the critical path/);

    const json = await runCli(['trace', generated.trace_id, '--json'], env);
    expect(json.code).toBe(0);
    const raw = JSON.parse(json.stdout) as { data: JaegerTrace[] };
    expect(raw.data[0].traceID).toBe(generated.trace_id);
  });

  it('trace --compare sets two requests side by side, stage by stage', async () => {
    const second = JSON.parse(
      (await runCli(['generate', 'a red circle', '--steps', '3', '--seed', '7', '--out', out.path, '--json'], env)).stdout,
    ) as { id: string; trace_id: string };
    await eventually(
      async () => {
        const r = await fetch(`${explorer}/api/traces/${second.trace_id}`);
        return r.ok && ((await r.json()) as { data: JaegerTrace[] }).data[0].spans.some((s) => s.operationName === 'storage.put');
      },
      30_000,
      'the second trace in the explorer',
    );
    const r = await runCli(['trace', generated.id, '--compare', second.id], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`baseline ${generated.trace_id}`);
    expect(r.stdout).toContain(`#1       ${second.trace_id}`);
    expect(r.stdout).toMatch(/^ {2}sampling +[\d.]+ (ms|s) +[\d.]+ (ms|s) +[+−][\d.]+ (ms|s)$/m);
    expect(r.stdout).toMatch(/^ {2}steps +6 +vs +3$/m);
    const json = JSON.parse((await runCli(['trace', generated.trace_id, '--compare', second.trace_id, '--json'], env)).stdout) as {
      data: { traces: { trace_id: string }[] };
    };
    expect(json.data.traces.map((t) => t.trace_id)).toEqual([generated.trace_id, second.trace_id]);
  });

  it('trace of an unknown request exits 1 and says why', async () => {
    const r = await runCli(['trace', 'req_nothing_like_this'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no log line of request req_nothing_like_this');
  });

  it('logs filters by request, service and level', async () => {
    const r = await runCli(['logs', '--request-id', generated.id, '--service', 'api-server'], env);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line).toMatch(
        new RegExp(
          `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} api-server +\\w+ +\\w+ .*request_id=${generated.id}.* trace=${generated.trace_id.slice(0, 8)}$`,
        ),
      );
    expect(lines.some((l) => / job_enqueued /.test(l))).toBe(true);

    const json = await runCli(['logs', '--request-id', generated.id, '--json'], env);
    const entries = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { request_id: string; service: string; time_us: number });
    expect(new Set(entries.map((e) => e.request_id))).toEqual(new Set([generated.id]));
    expect(new Set(entries.map((e) => e.service))).toEqual(new Set(['api-server', 'inference-worker']));
    expect(entries.map((e) => e.time_us)).toEqual([...entries.map((e) => e.time_us)].sort((a, b) => a - b)); // oldest first

    const warn = await runCli(['logs', '--level', 'warn', '--json'], env);
    for (const line of warn.stdout.trim().split('\n').filter(Boolean)) expect((JSON.parse(line) as { level: string }).level).toBe('WARN');
  });

  it('logs --follow prints lines that arrive after it started, until Ctrl-C', async () => {
    const follow = new CliProcess(['logs', '--follow', '--event', 'request_complete'], env);
    await new Promise((r) => setTimeout(r, 1500));
    const g = await runCli(['generate', 'followed', '--steps', '2', '--json', '--out', out.path], env);
    const id = (JSON.parse(g.stdout) as { id: string }).id;
    await follow.waitFor(new RegExp(`request_complete .*request_id=${id}`), 30_000);
    follow.signal('SIGINT');
    expect((await follow.result(10_000)).code).toBe(0);
  });

  it('models --api lists what the api-server serves', async () => {
    const r = await runCli(['models'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\* tiny-pixel +\w+ +pixel +16x16 +16x16$/m);
    expect(r.stdout).toContain(`from ${api}/v1/models`);
  });
});
