/**
 * Measures the shipped model's prompt match through the real TypeScript pipeline.
 *
 *   npx tsx scripts/measure-model-match.ts [count=48] [modelsDir=models] [seed=1234]
 *
 * Prints per-attribute rates (JSON) and the misses; DDIM, 50 steps, cfg 6.
 */
import { createInferencePipeline } from '../src/inference/index.js';
import { measurePromptMatch } from '../src/inference/eval/index.js';

const count = Number(process.argv[2] ?? 48);
const modelsDir = process.argv[3] ?? 'models';
const seed = Number(process.argv[4] ?? 1234);
const pipeline = await createInferencePipeline({ modelsDir });
try {
  const started = Date.now();
  const report = await measurePromptMatch({ pipeline, model: 'shapes-v1', count, seed });
  for (const r of report.rows) {
    const missed = (['colour', 'shape', 'size', 'position'] as const).filter((k) => !r.match[k]);
    if (missed.length > 0) {
      console.log(
        `miss ${missed.join(',').padEnd(24)} ${r.prompt.prompt} -> ${r.read.size ?? '?'} ${r.read.colour ?? '?'} ${r.read.shape ?? '?'}, ${r.read.position ?? '?'}`,
      );
    }
  }
  console.log(JSON.stringify({ count: report.count, seed, seconds: (Date.now() - started) / 1000, rates: report.rates }));
} finally {
  await pipeline.close();
}
