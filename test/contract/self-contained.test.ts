/**
 * src/contract is imported as it is by the browser bundle (web/tsconfig.json includes
 * src/contract/index.ts) and by every service: each of its files may import only other files of
 * the folder — no Node built-ins, no packages, nothing from the rest of src/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as contract from '../../src/contract/index.js';

const CONTRACT_DIR = fileURLToPath(new URL('../../src/contract/', import.meta.url));

function contractFiles(): string[] {
  return readdirSync(CONTRACT_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(CONTRACT_DIR, file));
}

/** Every module specifier a file imports or re-exports, types included. */
function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((ref) => ref.fileName);
}

describe('src/contract is self-contained', () => {
  const files = contractFiles();

  it('has files to check', () => {
    expect(files.map((f) => path.relative(CONTRACT_DIR, f))).toEqual(
      expect.arrayContaining(['index.ts', 'generation-params.ts', 'limits.ts']),
    );
  });

  it.each(files.map((f) => [path.relative(CONTRACT_DIR, f), f]))('%s imports only files of the folder', (_name, file) => {
    const outside = importsOf(file).filter((specifier) => {
      if (!specifier.startsWith('.')) return true;
      const target = path.resolve(path.dirname(file), specifier);
      return !target.startsWith(CONTRACT_DIR);
    });
    expect(outside).toEqual([]);
  });

  it('exports the generation parameters and their limits from the index', () => {
    expect(contract.SAMPLER_NAMES).toContain('euler');
    expect(contract.GENERATION_LIMITS.steps.max).toBeGreaterThan(contract.GENERATION_LIMITS.steps.min);
    expect(
      contract.paramsToWire({ model: 'm', sampler: 'euler', steps: 4, cfgScale: 2, seed: 1, width: 8, height: 8, n: 1 }),
    ).toMatchObject({ cfg_scale: 2 });
    expect(contract.withinLimit('seed', 2 ** 32)).toBe(false);
  });
});
