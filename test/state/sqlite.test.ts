import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteGenerationStore } from '../../src/state/index.js';
import { storeConformance } from './conformance.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dsc-state-'));

storeConformance({
  name: 'sqlite',
  unavailable: null,
  open: async () => new SqliteGenerationStore({ file: path.join(dir, 'state.sqlite') }),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
