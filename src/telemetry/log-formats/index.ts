/** DIFFSCOPE_LOG_FORMAT → the line format of a logger. */
import { datadogFormat } from './datadog.js';
import { ecsFormat } from './ecs.js';
import { gcpFormat } from './gcp.js';
import type { LineFormat, LineIdentity, LogFormat } from './line-format.js';
import { seedFormat } from './seed.js';

export { LOG_FORMATS, type LineFormat, type LineIdentity, type LogFormat } from './line-format.js';
export { low64Decimal } from './datadog.js';
export { ECS_VERSION } from './ecs.js';

const FORMATS: Record<LogFormat, (id: LineIdentity) => LineFormat> = {
  seed: seedFormat,
  ecs: ecsFormat,
  datadog: datadogFormat,
  gcp: gcpFormat,
};

export function lineFormat(name: LogFormat, id: LineIdentity): LineFormat {
  const make = Object.hasOwn(FORMATS, name) ? FORMATS[name] : undefined;
  if (make === undefined) throw new TypeError(`createLogger: unknown log format "${String(name)}" (seed, ecs, datadog, gcp)`);
  return make(id);
}

/**
 * The deployment environment from the standard places: OTEL_RESOURCE_ATTRIBUTES
 * `deployment.environment.name` (or the older `deployment.environment`), else Datadog's DD_ENV.
 */
export function environmentFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const pair of (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const key = pair.slice(0, eq).trim();
    if (key === 'deployment.environment.name' || key === 'deployment.environment') {
      const raw = pair.slice(eq + 1).trim();
      let value = raw;
      try {
        value = decodeURIComponent(raw);
      } catch {
        // Not percent-encoded after all: taken as written.
      }
      if (value !== '') return value;
    }
  }
  return env.DD_ENV !== undefined && env.DD_ENV !== '' ? env.DD_ENV : undefined;
}
export { formatOfLine, toSeedRecord } from './to-seed.js';
