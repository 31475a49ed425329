/**
 * `diffscope generate "<prompt>"`: creates a generation on the api-server, follows its events
 * (docs/api.md, GET /v1/generations/{id}/events) with a progress display, saves the images and
 * prints where they are with the request id, the trace id and the explorer link. Ctrl-C cancels
 * the generation (POST /v1/generations/{id}/cancel) and waits for the server to confirm it; a
 * second Ctrl-C leaves at once.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandContext } from '../command-table.js';
import { explorerTraceUrl } from '../client/endpoints.js';
import { formatMs } from '../client/format.js';
import { ClientError, type HttpClient } from '../client/http-client.js';
import { ProgressDisplay } from '../client/progress.js';
import { apiClient } from '../client/servers.js';
import { readSse } from '../client/sse.js';
import { UsageError } from '../args.js';
import { EXIT } from '../exit-codes.js';
import { colorEnabled, isTerminal, paint } from '../terminal.js';

interface Created {
  id: string;
  trace_id: string;
  seed: number;
}

/** GET /v1/generations/{id}: the fields this command prints. */
interface GenerationView {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
  trace_id: string;
  params: Record<string, unknown>;
  timings: { queue_ms?: number; inference_ms?: number; total_ms?: number } | null;
  images: string[];
  error: { code: string; message: string } | null;
}

type Terminal = 'succeeded' | 'failed' | 'canceled';
const TERMINAL = new Set<string>(['succeeded', 'failed', 'canceled']);
/** Reconnects of the event stream before giving up (the server may restart; any replica resumes it). */
const MAX_RECONNECTS = 10;

function integer(values: CommandContext['values'], name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw))
    throw new UsageError(`--${name} expects a whole number, got "${String(raw)}"`, 'generate');
  return Number(raw);
}

/** The request body from the command line; ranges are the server's to check (one table of limits). */
export function generationBody(prompt: string, values: CommandContext['values']): Record<string, unknown> {
  const body: Record<string, unknown> = { prompt };
  if (typeof values.model === 'string') body.model = values.model;
  if (typeof values.sampler === 'string') body.sampler = values.sampler;
  if (typeof values.negative === 'string') body.negative_prompt = values.negative;
  const steps = integer(values, 'steps');
  if (steps !== undefined) body.steps = steps;
  const seed = integer(values, 'seed');
  if (seed !== undefined) body.seed = seed;
  const n = integer(values, 'n');
  if (n !== undefined) body.n = n;
  if (values.cfg !== undefined) {
    const cfg = Number(values.cfg);
    if (typeof values.cfg !== 'string' || values.cfg.trim() === '' || !Number.isFinite(cfg))
      throw new UsageError(`--cfg expects a number, got "${String(values.cfg)}"`, 'generate');
    body.cfg_scale = cfg;
  }
  if (values.size !== undefined) {
    const m = typeof values.size === 'string' ? /^(\d+)[x×](\d+)$/i.exec(values.size.trim()) : null;
    if (!m) throw new UsageError(`--size expects WIDTHxHEIGHT, e.g. 512x512, got "${String(values.size)}"`, 'generate');
    body.width = Number(m[1]);
    body.height = Number(m[2]);
  }
  return body;
}

interface FollowResult {
  status: Terminal;
  /** The workers' own time of each sampling step, as the progress events reported them. */
  stepMs: number[];
}

async function follow(api: HttpClient, id: string, display: ProgressDisplay | undefined): Promise<FollowResult> {
  let lastId: string | undefined;
  let reconnects = 0;
  const stepMs: number[] = [];
  for (;;) {
    let response: Response;
    try {
      response = await api.request(`/v1/generations/${encodeURIComponent(id)}/events`, {
        headers: { accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
      });
    } catch (error) {
      if (!(error instanceof ClientError) || ++reconnects > MAX_RECONNECTS) throw error;
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    if (!response.ok || !response.body) throw await api.errorOf(response, `/v1/generations/${id}/events`);
    try {
      for await (const message of readSse(response.body)) {
        if (message.id) lastId = message.id;
        const data = JSON.parse(message.data) as Record<string, unknown>;
        if (message.event === 'queued') display?.queued(num(data.position), num(data.eta_ms), data.retry === true);
        else if (message.event === 'started') display?.started(num(data.attempt));
        else if (message.event === 'progress') {
          const ms = num(data.step_ms);
          if (ms !== undefined) stepMs.push(ms);
          display?.step(num(data.step) ?? 0, num(data.total_steps) ?? 0, ms);
        } else if (TERMINAL.has(message.event)) return { status: message.event as Terminal, stepMs };
      }
    } catch (error) {
      // A broken connection resumes after the last event seen; bad data is a real error.
      if (error instanceof SyntaxError) throw error;
    }
    if (++reconnects > MAX_RECONNECTS) throw new ClientError(`the event stream of ${id} kept closing before the generation finished`);
  }
}

/** Steps per second over the whole sampling, from the workers' own step times. */
export function stepsPerSecond(stepMs: number[]): number | undefined {
  const total = stepMs.reduce((a, b) => a + b, 0);
  return total > 0 ? stepMs.length / (total / 1000) : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

async function saveImages(api: HttpClient, view: GenerationView, outDir: string): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const saved: string[] = [];
  for (let k = 0; k < view.images.length; k++) {
    const urlPath = `/v1/generations/${encodeURIComponent(view.id)}/images/${k}`;
    const response = await api.request(urlPath);
    if (!response.ok) throw await api.errorOf(response, urlPath);
    const file = path.join(outDir, `${view.id}-${k}.png`);
    writeFileSync(file, Buffer.from(await response.arrayBuffer()));
    saved.push(file);
  }
  return saved;
}

export async function runGenerate(context: CommandContext): Promise<number> {
  const { config, values, positional } = context;
  const asJson = values.json === true;
  const body = generationBody(positional[0], values);
  const outDir = typeof values.out === 'string' ? values.out : '.';
  const api = apiClient(config);
  const err = process.stderr;
  const colors = paint(!asJson && colorEnabled(err));
  const live = !asJson && isTerminal(err) && colors.enabled;
  const display = asJson ? undefined : new ProgressDisplay({ out: err, live, paint: colors });

  const created = await api.json<Created>('/v1/generations', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  let canceling = false;
  let cancelSent: Promise<unknown> | undefined;
  const onSigint = (): void => {
    if (canceling) {
      display?.done();
      err.write('diffscope generate: interrupted again; leaving without waiting\n');
      process.exit(EXIT.INTERRUPTED);
    }
    canceling = true;
    display?.done();
    if (!asJson) err.write(`canceling ${created.id}… (Ctrl-C again to leave now)\n`);
    cancelSent = api.json(`/v1/generations/${encodeURIComponent(created.id)}/cancel`, { method: 'POST' }).catch((error: unknown) => {
      // 409: it finished first; the stream tells which way.
      if (!(error instanceof ClientError && error.status === 409)) err.write(`diffscope generate: ${(error as Error).message}\n`);
    });
  };
  process.on('SIGINT', onSigint);
  let followed: FollowResult;
  try {
    // The terminal event says the generation is over; the record below says how.
    followed = await follow(api, created.id, display);
  } finally {
    process.off('SIGINT', onSigint);
    display?.done();
  }
  await cancelSent;

  const view = await api.json<GenerationView>(`/v1/generations/${encodeURIComponent(created.id)}`);
  const files = view.status === 'succeeded' ? await saveImages(api, view, outDir) : [];
  const explorerUrl = explorerTraceUrl(config, view.trace_id);
  const code = view.status === 'succeeded' ? EXIT.OK : canceling && view.status === 'canceled' ? EXIT.INTERRUPTED : EXIT.FAILED;

  if (asJson) {
    process.stdout.write(
      JSON.stringify({
        id: view.id,
        request_id: view.id,
        status: view.status,
        trace_id: view.trace_id,
        seed: created.seed,
        params: view.params,
        timings: view.timings,
        steps_per_second: stepsPerSecond(followed.stepMs) ?? null,
        images: files.map((f) => path.resolve(f)),
        error: view.error,
        explorer_url: explorerUrl,
      }) + '\n',
    );
    return code;
  }
  const out = process.stdout;
  const t = view.timings ?? {};
  const timing = [
    t.total_ms !== undefined ? `in ${formatMs(t.total_ms)}` : '',
    t.queue_ms !== undefined ? `queued ${formatMs(t.queue_ms)}` : '',
    t.inference_ms !== undefined ? `inference ${formatMs(t.inference_ms)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const rate = stepsPerSecond(followed.stepMs);
  if (view.status === 'succeeded') {
    err.write(`${colors.green('✓')} succeeded ${timing}${rate ? `, ${rate.toFixed(1)} it/s` : ''} · seed ${created.seed}\n`);
    for (const f of files) out.write(`${f}\n`);
  } else {
    const reason = view.error ? `${view.error.code}: ${view.error.message}` : view.status;
    err.write(`${colors.red('✗')} ${view.status}${timing ? ` ${timing}` : ''} · ${reason}\n`);
  }
  const label = (s: string) => colors.dim(s.padEnd(11));
  out.write(`${label('request_id')}${view.id}\n${label('trace_id')}${view.trace_id}\n${label('explorer')}${explorerUrl}\n`);
  err.write(colors.dim(`the whole request: diffscope trace ${view.id}\n`));
  return code;
}
