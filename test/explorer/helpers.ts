import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { startExplorer, type ExplorerHandle, type ExplorerOptions } from '../../src/explorer/index.js';

export interface TestExplorer extends ExplorerHandle {
  dir: string;
  /** GET a query-API path, parsed as JSON. */
  get(pathAndQuery: string, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
}

export async function startTestExplorer(env: Record<string, string> = {}, options: ExplorerOptions = {}): Promise<TestExplorer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'diffscope-explorer-'));
  const config = loadConfig(
    {},
    {
      DIFFSCOPE_DATA_DIR: dir,
      DIFFSCOPE_EXPLORER_PORT: '0',
      DIFFSCOPE_OTLP_PORT: '0',
      ...env,
    },
  );
  const handle = await startExplorer(config, undefined, { webRoot: path.join(dir, 'web'), ...options });
  return Object.assign(Object.create(null), handle, {
    dir,
    store: handle.store,
    otlpUrl: handle.otlpUrl,
    queryUrl: handle.queryUrl,
    async get(pathAndQuery: string, headers: Record<string, string> = {}) {
      const res = await fetch(handle.queryUrl + pathAndQuery, { headers });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body };
    },
    async close() {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  }) as TestExplorer;
}
