/** Builds dist/ when stale and runs the fixture app in a real child process. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const REGISTER = join(ROOT, 'dist/telemetry/register.js');
export const FIXTURE = join(ROOT, 'test/telemetry/fixtures/http-app.mjs');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) if (name.endsWith('.ts')) newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
  return newest;
}

function oldestMtime(dir: string, names: string[]): number {
  let oldest = Infinity;
  for (const name of names) {
    const file = join(dir, name.replace(/\.ts$/, '.js'));
    oldest = Math.min(oldest, existsSync(file) ? statSync(file).mtimeMs : 0);
  }
  return oldest;
}

/**
 * `npm test` builds before vitest; a bare `npx vitest run` may find dist/ stale or missing.
 * Then compile once (tsc emits even when other folders have type errors) and check the output.
 */
export function ensureBuilt(): void {
  const srcDir = join(ROOT, 'src/telemetry');
  const sources = readdirSync(srcDir).filter((n) => n.endsWith('.ts'));
  // The fixture also imports the CLI's service lifecycle (dist/cli/service-lifecycle.js).
  const stale =
    oldestMtime(join(ROOT, 'dist/telemetry'), sources) < newestMtime(srcDir) ||
    !existsSync(join(ROOT, 'dist/config/index.js')) ||
    oldestMtime(join(ROOT, 'dist/cli'), ['service-lifecycle.ts']) < statSync(join(ROOT, 'src/cli/service-lifecycle.ts')).mtimeMs;
  if (stale) {
    spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript-native/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], {
      cwd: ROOT,
      stdio: 'ignore',
    });
  }
  if (oldestMtime(join(ROOT, 'dist/telemetry'), sources) < newestMtime(srcDir)) {
    throw new Error('dist/telemetry is stale and `tsc -p tsconfig.json` did not refresh it');
  }
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Parsed JSON log lines from stdout. */
  logLines: Record<string, unknown>[];
}

export interface RunFixtureOptions {
  env: Record<string, string>;
  /** 'parent': the test sends SIGTERM once the fixture is ready; 'self': the fixture signals itself. */
  signal?: 'parent' | 'self';
  /** Preload module (default dist/telemetry/register.js). */
  preload?: string;
  timeoutMs?: number;
}

export function runFixture(options: RunFixtureOptions): Promise<ChildResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('OTEL_') && !k.startsWith('DIFFSCOPE_') && k !== 'NODE_OPTIONS') env[k] = v;
  }
  Object.assign(env, { OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_BLRP_SCHEDULE_DELAY: '60000' }, options.env);
  if (options.signal === 'self') env.FIXTURE_EXIT = 'signal';
  const child = spawn(process.execPath, ['--import', options.preload ?? REGISTER, FIXTURE], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
    if (options.signal !== 'self' && stderr.includes('FIXTURE_READY') && child.exitCode === null && !child.killed) child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fixture did not exit in time\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const logLines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{"level"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, signal, stdout, stderr, logLines });
    });
  });
}
