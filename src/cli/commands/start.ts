import { hostname } from 'node:os';
import type { Config } from '../../config/index.js';
import { createLogger } from '../../telemetry/index.js';
import { consoleRenderer, renderingDestination } from '../console/console-output.js';
import { allInOneServices, Supervisor, waitForPort } from '../supervisor.js';
import { packageVersion } from '../version.js';

/** `diffscope start`: the whole stack on one machine, embedded defaults. */
export async function runStart(config: Config, overrides: Record<string, string>): Promise<void> {
  // One readable line per event on a terminal, the JSON lines otherwise (DIFFSCOPE_CONSOLE).
  const renderLine = consoleRenderer(config.DIFFSCOPE_CONSOLE, process.stdout);
  const logger = createLogger({
    service: 'supervisor',
    instanceId: config.DIFFSCOPE_INSTANCE_ID ?? `${hostname()}-supervisor`,
    version: packageVersion(),
    level: config.DIFFSCOPE_LOG_LEVEL,
    format: config.DIFFSCOPE_LOG_FORMAT,
    gcpProjectId: config.DIFFSCOPE_GCP_PROJECT_ID,
    // JSON lines keep the logger's own synchronous stdout, so nothing is lost on exit.
    destination: renderLine ? renderingDestination(process.stdout, renderLine) : undefined,
  });
  // One deployment secret for every child, so prompt hashes agree across processes even when
  // the user set none (each child would otherwise draw its own random key).
  const env: Record<string, string> = { ...overrides };
  if (!config.DIFFSCOPE_PROMPT_HASH_SECRET) {
    const { randomBytes } = await import('node:crypto');
    env.DIFFSCOPE_PROMPT_HASH_SECRET = randomBytes(32).toString('hex');
    logger.warn('prompt_hash_secret_random', {
      message: 'DIFFSCOPE_PROMPT_HASH_SECRET is not set: prompt hashes are only comparable within this run',
    });
  }
  const supervisor = new Supervisor({
    services: allInOneServices(config),
    logger,
    env,
    stopGraceMs: config.DIFFSCOPE_SHUTDOWN_GRACE_MS + 5_000,
    renderLine,
  });
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('stack_stopping', { signal });
    await supervisor.stop();
    logger.info('stack_stopped', {});
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await supervisor.start();
  const apiUp = await waitForPort(config.DIFFSCOPE_API_PORT, 30_000);
  logger.info('stack_ready', {
    api_url: `http://localhost:${config.DIFFSCOPE_API_PORT}`,
    explorer_url: `http://localhost:${config.DIFFSCOPE_EXPLORER_PORT}`,
    otlp_endpoint: `http://localhost:${config.DIFFSCOPE_OTLP_PORT}`,
    api_listening: apiUp,
    pids: supervisor.pids(),
  });
}
