/**
 * The all-in-one: each service in its own OS process, restarted when it crashes, its stdout
 * JSON lines passed on whole (so two services never interleave inside one line), unchanged or
 * rendered for a terminal (src/cli/console). Stopping the supervisor stops the services gracefully.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.js';
import type { Logger } from '../telemetry/index.js';

export interface ServiceSpec {
  /** CLI command that runs it (`diffscope <command>`). */
  command: string;
  /** `service.name` and the log `service` field. */
  serviceName: string;
  env?: Record<string, string>;
  /** Wait until this TCP port answers before starting the next service. */
  readyPort?: number;
}

export interface SupervisorOptions {
  services: ServiceSpec[];
  logger: Logger;
  /** Extra environment for every child (config overrides from flags). */
  env: Record<string, string>;
  /** How long children get to exit after SIGTERM before SIGKILL. */
  stopGraceMs: number;
  out?: NodeJS.WritableStream;
  /** Each whole stdout line of a service, as printed (src/cli/console: JSON as is, or readable). */
  renderLine?: (line: string) => string;
}

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const REGISTER = fileURLToPath(new URL('../telemetry/register.js', import.meta.url));
const MAX_RESTART_DELAY_MS = 30_000;
const STABLE_AFTER_MS = 60_000;
/** sysexits' EX_CONFIG, what `diffscope <service>` exits with on an invalid configuration. */
const EX_CONFIG = 78;

interface Running {
  spec: ServiceSpec;
  child?: ChildProcess;
  restarts: number;
  startedAt: number;
  timer?: NodeJS.Timeout;
}

export class Supervisor {
  private readonly running: Running[] = [];
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {}

  async start(): Promise<void> {
    // Children live in their own process groups; never leave them behind if we exit abruptly.
    process.once('exit', () => {
      for (const entry of this.running) if (entry.child && entry.child.exitCode === null) entry.child.kill('SIGKILL');
    });
    for (const spec of this.options.services) {
      const entry: Running = { spec, restarts: 0, startedAt: Date.now() };
      this.running.push(entry);
      this.spawn(entry);
      if (spec.readyPort !== undefined) await waitForPort(spec.readyPort, 15_000);
    }
  }

  private spawn(entry: Running): void {
    const { spec, logger } = { spec: entry.spec, logger: this.options.logger };
    const out = this.options.out ?? process.stdout;
    const child = spawn(process.execPath, ['--import', REGISTER, MAIN, spec.command], {
      env: { ...process.env, ...this.options.env, OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME ?? spec.serviceName, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: a terminal's Ctrl-C (or `timeout`) signals the whole foreground
      // group, and a child that also got the supervisor's forwarded SIGTERM would take the
      // second signal as "force exit now" and skip its graceful drain.
      detached: true,
    });
    entry.child = child;
    entry.startedAt = Date.now();
    const render = this.options.renderLine ?? ((line: string) => line);
    createInterface({ input: child.stdout }).on('line', (line) => out.write(render(line) + '\n'));
    createInterface({ input: child.stderr }).on('line', (line) => process.stderr.write(line + '\n'));
    logger.info('service_started', { child_service: spec.serviceName, pid: child.pid, restarts: entry.restarts });
    child.on('exit', (code, signal) => {
      entry.child = undefined;
      if (this.stopping) return;
      if (code === EX_CONFIG) {
        // Restarting cannot fix a bad setting: say so once instead of crash-looping.
        logger.error('service_config_invalid', { child_service: spec.serviceName, exit_code: code });
        return;
      }
      if (Date.now() - entry.startedAt > STABLE_AFTER_MS) entry.restarts = 0;
      const delayMs = Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** entry.restarts);
      entry.restarts++;
      logger.error('service_crashed', { child_service: spec.serviceName, exit_code: code, signal, restart_in_ms: delayMs });
      entry.timer = setTimeout(() => this.spawn(entry), delayMs);
    });
  }

  /** SIGTERM to every child (last started first), SIGKILL after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    const exits: Promise<void>[] = [];
    for (const entry of [...this.running].reverse()) {
      if (entry.timer) clearTimeout(entry.timer);
      const child = entry.child;
      if (!child || child.exitCode !== null) continue;
      exits.push(
        new Promise<void>((resolve) => {
          const kill = setTimeout(() => child.kill('SIGKILL'), this.options.stopGraceMs);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
      );
    }
    await Promise.all(exits);
  }

  pids(): Record<string, number | undefined> {
    return Object.fromEntries(this.running.map((r) => [r.spec.serviceName, r.child?.pid]));
  }
}

export function waitForPort(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const attempt = (): void => {
      const socket = connect({ port, host });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) resolve(false);
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** The stack `diffscope start` runs, with telemetry pointed at the embedded explorer. */
export function allInOneServices(config: Config): ServiceSpec[] {
  const otlp = `http://127.0.0.1:${config.DIFFSCOPE_OTLP_PORT}`;
  const telemetryEnv: Record<string, string> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? otlp,
    OTEL_EXPORTER_OTLP_PROTOCOL: process.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    OTEL_TRACES_EXPORTER: process.env.OTEL_TRACES_EXPORTER ?? 'otlp',
    OTEL_LOGS_EXPORTER: process.env.OTEL_LOGS_EXPORTER ?? 'otlp',
    OTEL_METRICS_EXPORTER: process.env.OTEL_METRICS_EXPORTER ?? 'none',
  };
  const metricsPort = config.DIFFSCOPE_METRICS_PORT ?? 9464;
  return [
    // The explorer does not trace itself: its own spans would flow back into it on every export.
    { command: 'explorer', serviceName: 'explorer', env: { OTEL_SDK_DISABLED: 'true' }, readyPort: config.DIFFSCOPE_OTLP_PORT },
    { command: 'api', serviceName: 'api-server', env: telemetryEnv },
    // Worker and notifier each need a port: Prometheus' exporter port 9464 and the next one,
    // or the port the user chose and the next one.
    { command: 'worker', serviceName: 'inference-worker', env: { ...telemetryEnv, DIFFSCOPE_METRICS_PORT: String(metricsPort) } },
    { command: 'notifier', serviceName: 'notifier', env: { ...telemetryEnv, DIFFSCOPE_METRICS_PORT: String(metricsPort + 1) } },
  ];
}
