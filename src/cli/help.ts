import { configSchema } from '../config/index.js';
import { flagForVariable } from './args.js';

export const COMMANDS: Record<string, string> = {
  start: 'run the whole stack on this machine (api, worker, notifier, explorer), one process each, restarted on crash',
  api: 'run the HTTP API server alone (port 8080)',
  worker: 'run one inference worker alone',
  notifier: 'run the webhook notifier alone',
  explorer: 'run the trace/log explorer alone (UI + Jaeger API on 16686, OTLP/HTTP on 4318)',
  models: 'list the models found in the models folder',
};

export function usage(): string {
  const lines = [
    'usage: diffscope <command> [options]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, text]) => `  ${name.padEnd(10)} ${text}`),
    '',
    'options (each is also an environment variable; flags win):',
    ...Object.keys(configSchema.shape).map((v) => `  ${flagForVariable(v).padEnd(36)} ${v}`),
    '',
    'OpenTelemetry is configured with the standard OTEL_* variables (see docs/telemetry.md).',
    'Every setting is described in docs/configuration.md.',
  ];
  return lines.join('\n');
}
