/**
 * The real `diffscope` binary (bin/diffscope.mjs, built dist/) run as a user runs it: in a pipe,
 * or in a pseudo-terminal made by util-linux `script` (so stdout and stderr are TTYs and the
 * progress display, colours and the pretty console switch on). Output is kept as text.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../../bin/diffscope.mjs', import.meta.url));

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  private readonly exited: Promise<number | null>;

  /** `tty`: run inside `script`, where stdout and stderr are one terminal (all output lands in `stdout`). */
  constructor(args: string[], env: Record<string, string>, options: { tty?: boolean; cwd?: string } = {}) {
    const fullEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    // The parent's colour choices must not leak into what the test checks.
    delete fullEnv.NO_COLOR;
    delete fullEnv.FORCE_COLOR;
    if (env.NO_COLOR) fullEnv.NO_COLOR = env.NO_COLOR;
    if (options.tty) {
      // `exec` makes the CLI script's direct child, so signals can be sent to it (see pid()).
      const command = ['exec', shellQuote(process.execPath), shellQuote(BIN), ...args.map(shellQuote)].join(' ');
      this.child = spawn('script', ['-qfec', command, '/dev/null'], {
        cwd: options.cwd ?? ROOT,
        env: { ...fullEnv, TERM: 'xterm-256color' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } else {
      this.child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    }
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** The CLI's own pid: under `script`, its child. */
  cliPid(): number {
    if (this.child.spawnfile !== 'script') return this.child.pid!;
    const out = execFileSync('ps', ['--ppid', String(this.child.pid), '-o', 'pid='], { encoding: 'utf8' }).trim();
    return Number(out.split(/\s+/)[0]);
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.cliPid(), signal);
  }

  async waitFor(pattern: RegExp, timeoutMs: number, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = stripAnsi(this[stream]).match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `no ${pattern} in ${stream} (exit ${this.child.exitCode}):\n${stripAnsi(this[stream]).slice(-3000)}\nstderr:\n${this.stderr.slice(-2000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async result(timeoutMs = 120_000): Promise<CliResult> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return { code, stdout: this.stdout, stderr: this.stderr };
  }
}

/** Run to the end. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  options: { tty?: boolean; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new CliProcess(args, env, options).result(options.timeoutMs);
}
