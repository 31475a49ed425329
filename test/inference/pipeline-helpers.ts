/** Shared bits of the pipeline tests: fixture paths, temp model folders, PNG reading. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import type { GenerationParams } from '../../src/inference/index.js';

export const FIXTURE_MODELS = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'models');

export function params(overrides: Partial<GenerationParams> = {}): GenerationParams {
  return { model: 'tiny-sd', sampler: 'ddim', steps: 3, cfgScale: 7.5, seed: 42, width: 64, height: 64, n: 1, ...overrides };
}

/** A temp models folder holding copies of fixture models under the given ids. */
export function tempModels(copies: Record<string, string>): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'diffscope-models-'));
  for (const [id, source] of Object.entries(copies)) cpSync(join(FIXTURE_MODELS, source), join(dir, id), { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function readPng(buffer: Buffer): { width: number; height: number; data: Buffer } {
  const png = PNG.sync.read(buffer);
  return { width: png.width, height: png.height, data: png.data };
}
