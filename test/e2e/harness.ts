/**
 * Runs diffscope services as real OS processes, exactly as `diffscope <service>` does
 * (node --import dist/telemetry/register.js dist/cli/main.js <service>), and keeps every
 * JSON line each one writes, so tests can check logs across processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = path.join(ROOT, 'dist/cli/main.js');
const REGISTER = path.join(ROOT, 'dist/telemetry/register.js');

export type LogLine = Record<string, unknown> & { service?: string; event?: string };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function assertBuilt(): void {
  if (!existsSync(MAIN) || !existsSync(REGISTER)) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it) before the e2e tests');
  }
}

export class ServiceProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  /** `argv` replaces the default `--import register.js main.js <command>` (e.g. to run bin/diffscope.mjs). */
  constructor(
    readonly command: string,
    env: Record<string, string>,
    argv: string[] = ['--import', REGISTER, MAIN, command],
  ) {
    this.child = spawn(process.execPath, argv, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as LogLine);
      } catch {
        this.lines.push({ unparsed: line });
      }
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) => this.stderr.push(line));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async waitForEvent(event: string, timeoutMs = 20_000, predicate: (l: LogLine) => boolean = () => true): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hit = this.lines.find((l) => l.event === event && predicate(l));
      if (hit) return hit;
      if (this.child.exitCode !== null) break;
      await sleep(50);
    }
    throw new Error(
      `${this.command}: no "${event}" log event within ${timeoutMs} ms (exit ${this.child.exitCode}).\n` +
        `last lines:\n${this.lines
          .slice(-15)
          .map((l) => JSON.stringify(l))
          .join('\n')}\nstderr:\n${this.stderr.slice(-15).join('\n')}`,
    );
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }

  async stop(timeoutMs = 10_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  exit(): Promise<number | null> {
    return this.exited;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Poll `fn` until it returns a truthy value. */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  const why = lastError instanceof Error ? `: ${lastError.message}` : lastError === undefined ? '' : `: ${JSON.stringify(lastError)}`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`, { cause: lastError });
}

/** Reachability of a required server: skip locally with a reason, fail under CI. */
export async function requireServer(name: string, port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  const up = await new Promise<boolean>((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => (s.destroy(), resolve(false)));
  });
  if (!up) {
    if (process.env.CI === 'true') throw new Error(`${name} is required on 127.0.0.1:${port} under CI but is not reachable`);
    console.warn(`skipping: ${name} not reachable on 127.0.0.1:${port}`);
  }
  return up;
}
