/**
 * How to start the inference thread from wherever this module was loaded: the compiled
 * `inference-thread.js` next to it (dist/, production), or — when running from TypeScript
 * sources under vitest or tsx — `inference-thread.ts` through tsx's loader, registered inside
 * the new thread (tsx is a devDependency, so only source runs need it).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startInferenceThread(workerData: unknown, options: WorkerOptions = {}): Worker {
  const here = import.meta.url;
  // No inherited `--import` flags: the services run under `--import dist/telemetry/register.js`,
  // which would start a second OpenTelemetry SDK inside the thread. The thread's spans and logs
  // go to the main thread instead (job-relay.ts).
  options = { execArgv: [], ...options };
  if (!here.endsWith('.ts')) {
    return new Worker(new URL('./inference-thread.js', here), { ...options, workerData });
  }
  const entry = new URL('./inference-thread.ts', here).href;
  return new Worker(new URL('./ts-bootstrap.mjs', here), { ...options, workerData: { ...(workerData as object), entry } });
}
