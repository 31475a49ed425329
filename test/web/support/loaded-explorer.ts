// The real explorer (src/explorer, in-memory SQLite) loaded with the recorded fixtures through its
// OTLP/HTTP endpoint, serving the built UI from dist/web: what the browser tests drive.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig } from '../../../src/config/index.js';
import { startExplorer } from '../../../src/explorer/index.js';
import type { JaegerTrace, LogEntry } from '../../../web/src/model/types.js';
import { fakeImage } from './fake-image.js';
import { latestUs, logsToOtlp, shiftLogs, shiftTrace, tracesToOtlp } from './otlp-fixtures.js';
import { syntheticTrace } from './synthetic-trace.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixtureDir = join(repoRoot, 'test/fixtures/explorer');

export const BIG_TRACE_ID = (10_000).toString(16).padStart(32, '0');
const SPANS_PER_REQUEST = 2_000;

export interface LoadedExplorer {
  url: string;
  /** Sends the 10k-span synthetic trace (BIG_TRACE_ID) through OTLP, in several requests. */
  loadBigTrace(): Promise<void>;
  traces: JaegerTrace[];
  logs: LogEntry[];
  close(): Promise<void>;
}

async function post(url: string, body: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (!res.ok) throw new Error(`OTLP POST ${url} → ${res.status} ${await res.text()}`);
}

export async function startLoadedExplorer(options: { bigTrace?: boolean } = {}): Promise<LoadedExplorer> {
  const dir = mkdtempSync(join(tmpdir(), 'diffscope-web-'));
  const outputDir = join(dir, 'outputs');
  mkdirSync(outputDir);
  const config = loadConfig(
    {},
    { DIFFSCOPE_DATA_DIR: dir, DIFFSCOPE_EXPLORER_PORT: '0', DIFFSCOPE_OTLP_PORT: '0', DIFFSCOPE_EXPLORER_DB: ':memory:' },
  );
  const handle = await startExplorer(config, undefined, { webRoot: join(repoRoot, 'dist/web'), outputDir, flushIntervalMs: 50 });
  try {
    const rawTraces = (JSON.parse(readFileSync(join(fixtureDir, 'traces.json'), 'utf8')) as { data: JaegerTrace[] }).data;
    const rawLogs = (JSON.parse(readFileSync(join(fixtureDir, 'logs.json'), 'utf8')) as { data: LogEntry[] }).data;
    // Recorded at a fixed time; replay them as if they ended a minute ago.
    const delta = Date.now() * 1000 - 60e6 - latestUs(rawTraces, rawLogs);
    const traces = rawTraces.map((t) => shiftTrace(t, delta));
    const logs = shiftLogs(rawLogs, delta);
    const image = fakeImage();
    const rewrite = (key: string, value: unknown): unknown => {
      if (key !== 'diffusion.output_location' || typeof value !== 'string') return value;
      const file = join(outputDir, basename(new URL(value).pathname));
      writeFileSync(file, image);
      return pathToFileURL(file).href;
    };
    for (const t of traces) await post(`${handle.otlpUrl}/v1/traces`, tracesToOtlp(t, rewrite));
    await post(`${handle.otlpUrl}/v1/logs`, logsToOtlp(logs));
    const loadBigTrace = async (): Promise<void> => {
      const raw = syntheticTrace(10_000, BIG_TRACE_ID);
      const big = shiftTrace(raw, Date.now() * 1000 - 120e6 - latestUs([raw], []));
      for (let i = 0; i < big.spans.length; i += SPANS_PER_REQUEST) {
        await post(`${handle.otlpUrl}/v1/traces`, tracesToOtlp({ ...big, spans: big.spans.slice(i, i + SPANS_PER_REQUEST) }));
      }
      await handle.flush();
    };
    if (options.bigTrace) await loadBigTrace();
    await handle.flush();
    return {
      url: handle.queryUrl,
      loadBigTrace,
      traces,
      logs,
      async close() {
        await handle.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
