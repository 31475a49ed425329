// Preload for the "sdk, no incoming http instrumentation" variant of api-throughput.bench.ts:
// the same NodeSDK set-up as dist/telemetry/register.js (ESM hook, OTLP from OTEL_* env) but
// with HttpInstrumentation({ disableIncomingRequestInstrumentation: true }), so span A comes
// from the api-server's own hook while outgoing calls (S3, webhooks) stay instrumented.
import { register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: ['node:http', 'http', 'node:https', 'https'] } });
const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
const { NodeSDK } = await import('@opentelemetry/sdk-node');
const sdk = new NodeSDK({
  instrumentations: [new HttpInstrumentation({ disableIncomingRequestInstrumentation: true })],
  metricReaders: [],
  logRecordProcessors: [],
});
sdk.start();
process.on('beforeExit', () => void sdk.shutdown());
