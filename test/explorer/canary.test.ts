/**
 * The raw prompt never reaches the explorer's store: a real process using our telemetry
 * library exports spans and logs about a request whose prompt is a unique canary to a real
 * explorer over OTLP; every stored row (spans, logs, resources, full-text index) is then
 * searched for it. (The whole-stack version of this check lives with the end-to-end tests.)
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../telemetry/child-process.js';
import { startTestExplorer, type TestExplorer } from './helpers.js';

const CANARY = `canaryprompt${randomUUID().replace(/-/g, '')}`;

function runApp(otlpUrl: string): Promise<{ code: number | null; stderr: string }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('OTEL_') && !k.startsWith('DIFFSCOPE_') && k !== 'NODE_OPTIONS') env[k] = v;
  }
  Object.assign(env, {
    CANARY_PROMPT: CANARY,
    OTEL_SERVICE_NAME: 'canary-app',
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
  });
  const child = spawn(
    process.execPath,
    ['--import', path.join(ROOT, 'dist/telemetry/register.js'), path.join(ROOT, 'test/explorer/fixtures/canary-app.mjs')],
    { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`canary app hung:\n${stderr}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('explorer store and the canary prompt', () => {
  let ex: TestExplorer;
  let hash: string;
  beforeAll(async () => {
    ensureBuilt();
    ex = await startTestExplorer();
    const result = await runApp(ex.otlpUrl);
    expect(result.code, result.stderr).toBe(0);
    hash = /PROMPT_HASH ([0-9a-f]+)/.exec(result.stderr)![1];
    await ex.flush();
    // ensureBuilt() may have to compile the whole project first (seconds to minutes on a busy machine)
  }, 240_000);
  afterAll(async () => {
    await ex?.close();
  });

  it("received the app's spans and logs, correlated, carrying the prompt hash", async () => {
    const traces = await ex.get('/api/traces?service=canary-app&limit=5');
    const spans = traces.body.data.flatMap((t: any) => t.spans);
    expect(spans.map((s: any) => s.operationName).sort()).toEqual(['POST /v1/generations', 'inference']);
    expect(JSON.stringify(spans)).toContain(hash);
    const logs = await ex.get('/api/logs?request_id=req_canary');
    expect(logs.body.data.map((l: any) => l.event).sort()).toEqual([
      'inference_start',
      'job_enqueued',
      'request_complete',
      'request_received',
    ]);
    expect(new Set(logs.body.data.map((l: any) => l.trace_id))).toEqual(new Set([traces.body.data[0].traceID]));
    expect(JSON.stringify(logs.body.data)).toContain(hash);
  });

  it('holds the canary nowhere: not in spans, logs, resources or the full-text index', async () => {
    const db = ex.store.db;
    const dump = [
      ...db.prepare('SELECT * FROM spans').raw().all(),
      ...db.prepare('SELECT * FROM logs').raw().all(),
      ...db.prepare('SELECT * FROM resources').raw().all(),
      ...db.prepare('SELECT * FROM operations').raw().all(),
    ];
    expect(dump.length).toBeGreaterThanOrEqual(6);
    const text = JSON.stringify(dump);
    expect(text).toContain(hash);
    expect(text).not.toContain(CANARY);
    expect(db.prepare('SELECT COUNT(*) FROM logs_fts WHERE logs_fts MATCH ?').pluck().get(`"${CANARY}"`)).toBe(0);
    expect((await ex.get(`/api/logs?q=${CANARY}`)).body.total).toBe(0);
  });
});
