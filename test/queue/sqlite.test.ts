import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { SqliteQueueBackend } from '../../src/queue/index.js';
import { queueConformance } from './conformance.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-queue-'));
const file = path.join(dir, 'queue.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

queueConformance({
  name: 'sqlite',
  unavailable: null,
  create: async ({ leaseMs }) => new SqliteQueueBackend({ file, leaseMs }),
  childEnv: () => ({ DIFFSCOPE_QUEUE: 'sqlite', DIFFSCOPE_DATA_DIR: dir, FIXTURE_SQLITE_FILE: file }),
});
