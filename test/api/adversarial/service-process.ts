/**
 * A diffscope service (`api`, `worker`) as a real process, started the way an operator starts it:
 * `src/cli/main.ts <service>` under the OpenTelemetry preload (src/telemetry/register.ts), so the
 * SDK's HTTP instrumentation and propagators see every request. Everything it prints is kept
 * (the fuzz test scans it for the canary prompt), and it is ready once it logs its start event.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ServiceProcess {
  pid: number;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** No exit seen since it started. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
  stop(graceMs?: number): Promise<number | null>;
}

/** The service's environment: the caller's `env` over a copy of ours without any DIFFSCOPE_ or OTEL_ setting. */
function serviceEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('DIFFSCOPE_') && !k.startsWith('OTEL_')) out[k] = v;
  return { ...out, ...env };
}

/** Start `diffscope <service>` and wait until a stdout line has `"event":"<readyEvent>"`. */
export async function startServiceProcess(
  service: 'api' | 'worker',
  env: Record<string, string>,
  readyEvent: string,
  timeoutMs = 90_000,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './src/telemetry/register.ts', 'src/cli/main.ts', service], {
    cwd: ROOT,
    env: serviceEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exitCode: number | null | undefined;
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${service} did not log ${readyEvent} within ${timeoutMs} ms:\n${out}\n${err}`)),
      timeoutMs,
    );
    const onData = () => {
      if (!out.includes(`"event":"${readyEvent}"`)) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve();
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${service} exited (${code}) before ${readyEvent}:\n${out}\n${err}`));
    });
  });
  return {
    pid: child.pid!,
    child,
    stdout: () => out,
    stderr: () => err,
    alive: () => exitCode === undefined,
    async stop(graceMs = 15_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
