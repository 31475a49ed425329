/** Starts test/explorer/adversarial/fixtures/explorer-child.ts as a real process (tsx), each in its own data dir. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExplorerOptions } from '../../../src/explorer/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/explorer-child.ts', import.meta.url));

export interface ExplorerProcess {
  pid: number;
  otlpUrl: string;
  queryUrl: string;
  dir: string;
  dbPath: string;
  child: ChildProcess;
  /** stderr so far (a crash's stack lands here). */
  stderr(): string;
  /** Still running (no exit seen). */
  alive(): boolean;
  get(pathAndQuery: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
  /** SIGTERM (SIGKILL after 10 s), then the data dir is removed unless `keepDir`. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
}

export async function startExplorerProcess(
  env: Record<string, string> = {},
  options: ExplorerOptions = {},
  dir = mkdtempSync(path.join(tmpdir(), 'diffscope-adv-')),
): Promise<ExplorerProcess> {
  const dbPath = env.DIFFSCOPE_EXPLORER_DB ?? path.join(dir, 'explorer.db');
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('DIFFSCOPE_') && !k.startsWith('OTEL_')) childEnv[k] = v;
  Object.assign(childEnv, {
    DIFFSCOPE_DATA_DIR: dir,
    DIFFSCOPE_EXPLORER_PORT: '0',
    DIFFSCOPE_OTLP_PORT: '0',
    DIFFSCOPE_EXPLORER_DB: dbPath,
    ...env,
  });
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ webRoot: path.join(dir, 'web'), ...options })], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let exited = false;
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  child.on('exit', () => (exited = true));
  const ready = await new Promise<{ otlpUrl: string; queryUrl: string; pid: number }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`explorer process did not start:\n${stderr}`)), 60_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(out.slice(0, nl)));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`explorer process exited (${code}):\n${stderr}`));
    });
  });
  return {
    ...ready,
    dir,
    dbPath,
    child,
    stderr: () => stderr,
    alive: () => !exited,
    async get(pathAndQuery, headers = {}) {
      const res = await fetch(ready.queryUrl + pathAndQuery, { headers });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, headers: res.headers, body };
    },
    async stop(options = {}) {
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (!exited) child.kill('SIGKILL');
      }
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
