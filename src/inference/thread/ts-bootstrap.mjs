// Source runs only (vitest, tsx): registers tsx's loader in the inference thread, then loads
// the TypeScript entry. Compiled runs start dist/inference/thread/inference-thread.js directly.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
