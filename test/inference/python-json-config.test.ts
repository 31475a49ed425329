import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInferencePipeline } from '../../src/inference/index.js';

const TINY_SD = fileURLToPath(new URL('../fixtures/models/tiny-sd', import.meta.url));

describe('model configs written by Python', () => {
  it('a scheduler_config.json holding -Infinity (as diffusers saves lambda_min_clipped) loads and runs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'diffscope-pyjson-'));
    try {
      cpSync(TINY_SD, path.join(dir, 'tiny-sd'), { recursive: true });
      const file = path.join(dir, 'tiny-sd', 'scheduler', 'scheduler_config.json');
      const text = readFileSync(file, 'utf8').trimEnd().replace(/}$/, ', "lambda_min_clipped": -Infinity}');
      writeFileSync(file, text);
      expect(() => JSON.parse(text)).toThrow();
      const pipeline = await createInferencePipeline({ modelsDir: dir });
      const result = await pipeline.generate({
        prompt: 'a cat',
        params: { model: 'tiny-sd', sampler: 'dpmpp_2m', steps: 3, cfgScale: 2, seed: 1, width: 64, height: 64, n: 1 },
      });
      expect(result.images).toHaveLength(1);
      await pipeline.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
