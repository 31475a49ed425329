/**
 * Starts one of the ingest threads. Built (dist/), the thread's .js file sits next to this one.
 * From the TypeScript sources (tests, benchmarks under tsx or vitest) there is only a .ts file,
 * which a bare worker cannot load: then the thread first registers tsx's loader, the same one
 * the test and benchmark runners use.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

export interface SpawnOptions {
  workerData: unknown;
  resourceLimits?: ResourceLimits;
}

function tsxLoaderUrl(): string {
  const require = createRequire(import.meta.url);
  return pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
}

export function spawnIngestWorker(name: 'decode-worker' | 'write-worker', options: SpawnOptions): Worker {
  const built = new URL(`./${name}.js`, import.meta.url);
  if (existsSync(fileURLToPath(built))) return new Worker(built, options);
  const source = new URL(`./${name}.ts`, import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxLoaderUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
