/**
 * Preload: `node --import ./dist/telemetry/register.js dist/cli/main.js <service>`.
 * The ESM loader hook must be registered before the app's modules are imported (static
 * imports are hoisted, so this must be its own file), and the SDK must be started after the
 * hook is in place: hence the dynamic import.
 */
import { register } from 'node:module';

// Only the modules an instrumentation patches are intercepted: wrapping every module costs
// about a second of start-up on a small machine. Add the module name here when adding an
// instrumentation in sdk-start.ts (e.g. 'fastify' for @fastify/otel).
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
  data: { include: ['node:http', 'http', 'node:https', 'https'] },
});

const { startTelemetrySdk } = await import('./sdk-start.js');
startTelemetrySdk();
