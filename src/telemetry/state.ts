/**
 * Process-wide telemetry state. Kept on globalThis under a registered symbol because the
 * preload (dist/telemetry/register.js) and the app can load this folder through different
 * URLs (dist vs. src under tsx/vitest); one process must still share one state.
 */
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import type { ConfiguredPropagation } from './propagators/from-env.js';

export interface TelemetryState {
  /** Set by the SDK start module: flushes and stops the NodeSDK. */
  sdkShutdown?: () => Promise<void>;
  /** True when the SDK started a LoggerProvider with an exporter: log lines are mirrored as OTel records. */
  otelLogsEnabled: boolean;
  instanceId: string;
  /** service.name given to the SDK (OTEL_SERVICE_NAME or the CLI's service argument). */
  serviceName?: string;
  version: string;
  /** OTEL_PROPAGATORS, read once (propagation.ts); the SDK registers the same propagator globally. */
  propagation?: ConfiguredPropagation;
}

const KEY = Symbol.for('diffscope.telemetry.state');

function readPackageVersion(): string {
  // src/telemetry/ and dist/telemetry/ are both two levels below the package root.
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function telemetryState(): TelemetryState {
  const g = globalThis as unknown as Record<symbol, TelemetryState | undefined>;
  let state = g[KEY];
  if (state === undefined) {
    state = {
      otelLogsEnabled: false,
      instanceId: `${hostname()}-${process.pid}`,
      version: readPackageVersion(),
    };
    g[KEY] = state;
  }
  return state;
}

/** The package version (service.version / `version` log field). */
export function serviceVersion(): string {
  return telemetryState().version;
}

/** The instance id the SDK put in the resource (`service.instance.id`), or hostname-pid. */
export function defaultInstanceId(): string {
  return telemetryState().instanceId;
}
