// Serves dist/web plus recorded explorer API responses (test/fixtures/explorer/*.json), so the UI
// can be driven in a real browser without the backend. Synthetic traces: /api/traces/synth<N>.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JaegerTrace, LogEntry } from '../../../web/src/model/types.js';
import { syntheticTrace } from './synthetic-trace.js';
import { fakeImage } from './fake-image.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixtureDir = join(root, 'test/fixtures/explorer');
export const webDist = join(root, 'dist/web');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface FixtureServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

function readJson(name: string): unknown {
  return JSON.parse(readFileSync(join(fixtureDir, name), 'utf8'));
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, { 'content-type': type, 'content-length': buf.length, 'cache-control': 'no-store' });
  res.end(buf);
}

function serviceOf(t: JaegerTrace, processID: string): string {
  return t.processes[processID]?.serviceName ?? 'unknown';
}

export function startFixtureServer(): Promise<FixtureServer> {
  const traces = (readJson('traces.json') as { data: JaegerTrace[] }).data;
  const logs = (readJson('logs.json') as { data: LogEntry[] }).data;
  const stages = readJson('stages.json');
  const synthetic = new Map<string, JaegerTrace>();
  const image = fakeImage();

  const handleApi = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const p = url.pathname;
    const q = url.searchParams;
    if (p === '/api/services') {
      const names = new Set<string>();
      for (const t of traces) for (const s of t.spans) names.add(serviceOf(t, s.processID));
      return send(res, 200, { data: [...names] });
    }
    let m = /^\/api\/services\/([^/]+)\/operations$/.exec(p);
    if (m) {
      const svc = decodeURIComponent(m[1]);
      const ops = new Set<string>();
      for (const t of traces) for (const s of t.spans) if (serviceOf(t, s.processID) === svc) ops.add(s.operationName);
      return send(res, 200, { data: [...ops] });
    }
    if (p === '/api/traces') {
      const tags = q.get('tags') ? (JSON.parse(q.get('tags') as string) as Record<string, string>) : {};
      const service = q.get('service');
      const op = q.get('operation');
      const out = traces.filter((t) =>
        t.spans.some(
          (s) =>
            (!service || serviceOf(t, s.processID) === service) &&
            (!op || s.operationName === op) &&
            Object.entries(tags).every(([k, v]) => (s.tags ?? []).some((tg) => tg.key === k && String(tg.value) === v)),
        ),
      );
      return send(res, 200, { data: out.slice(0, Number(q.get('limit')) || 20) });
    }
    m = /^\/api\/traces\/([^/]+)\/image\/(\d+)$/.exec(p);
    if (m) {
      const t = traces.find((x) => x.traceID === m![1]);
      const hasImage = t?.spans.some((s) => s.operationName === 'storage.put');
      return hasImage && m[2] === '0' ? send(res, 200, image, 'image/png') : send(res, 404, { errors: [{ msg: 'no image' }] });
    }
    m = /^\/api\/traces\/([^/]+)$/.exec(p);
    if (m) {
      const id = decodeURIComponent(m[1]);
      const synth = /^synth(\d+)$/.exec(id);
      if (synth) {
        let t = synthetic.get(id);
        if (!t) synthetic.set(id, (t = syntheticTrace(Number(synth[1]), id)));
        return send(res, 200, { data: [t] });
      }
      const t = traces.find((x) => x.traceID === id);
      return t ? send(res, 200, { data: [t] }) : send(res, 404, { data: null, errors: [{ code: 404, msg: 'trace not found' }] });
    }
    if (p === '/api/logs') {
      const f = (k: string): string | null => q.get(k);
      const text = f('q')?.toLowerCase();
      const out = logs.filter(
        (l) =>
          (!f('trace_id') || l.trace_id === f('trace_id')) &&
          (!f('request_id') || l.request_id === f('request_id')) &&
          (!f('span_id') || l.span_id === f('span_id')) &&
          (!f('service') || l.service === f('service')) &&
          (!f('level') || l.level.toUpperCase() === f('level')?.toUpperCase()) &&
          (!f('event') || l.event === f('event')) &&
          (!text || JSON.stringify(l).toLowerCase().includes(text)),
      );
      const sorted = [...out].sort((a, b) => b.time_us - a.time_us);
      return send(res, 200, { data: sorted.slice(0, Number(f('limit')) || 100), total: out.length });
    }
    if (p === '/api/analysis/stages') return send(res, 200, stages);
    return send(res, 404, { errors: [{ msg: `no fixture for ${req.method} ${p}` }] });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/api/')) return handleApi(req, res, url);
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(webDist, rel);
    if (!file.startsWith(webDist) || !existsSync(file) || !extname(file)) file = join(webDist, 'index.html');
    if (!existsSync(file)) return send(res, 500, 'dist/web is not built (npm run build:web)', 'text/plain');
    return send(res, 200, readFileSync(file), MIME[extname(file)] ?? 'application/octet-stream');
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({ url: `http://127.0.0.1:${port}`, server, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}
