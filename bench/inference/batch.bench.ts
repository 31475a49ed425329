/**
 * Dynamic batching throughput: images/s with 8 clients at once, with and without the batcher,
 * measured in the same process on the same warm model, as the worker runs it (the pipeline in
 * its inference thread; unbatched = 8 concurrent generate() calls, what
 * DIFFSCOPE_WORKER_CONCURRENCY=8 does; batched = the worker's Batcher with
 * DIFFSCOPE_BATCH_MAX=8, DIFFSCOPE_BATCH_WINDOW_MS=25).
 *
 *   npm run bench:batch
 *   BENCH_MODEL=tiny-sd BENCH_STEPS=20 BENCH_ROUNDS=5 BENCH_PER_CLIENT=3 npm run bench:batch
 *   DIFFSCOPE_EXECUTION_PROVIDER=webgpu npm run bench:batch      (on a GPU host)
 *
 * Each client sends BENCH_PER_CLIENT requests one after another (own prompt and seed, n=1, the
 * same model/size/sampler/steps/guidance, so all are compatible). Rounds alternate the order of
 * the two modes so drift on a shared machine hits both; per round the ratio batched/unbatched is
 * printed with the 1-minute load average, then the median and the spread (min–max) over rounds.
 */
import { existsSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../src/config/index.js';
import {
  createThreadedInferencePipeline,
  inferenceOptionsFromConfig,
  type GenerationParams,
  type InferencePipeline,
} from '../../src/inference/index.js';
import { noopLogger } from '../../src/telemetry/index.js';
import { Batcher } from '../../src/worker/batching/batcher.js';

const env = process.env;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const shippedDir = join(root, 'models');
const fixtureDir = join(root, 'test', 'fixtures', 'models');
const modelId = env.BENCH_MODEL ?? (existsSync(join(shippedDir, 'shapes-v1', 'model_index.json')) ? 'shapes-v1' : 'tiny-sd');
const modelsDir = env.BENCH_MODELS_DIR ?? (existsSync(join(shippedDir, modelId, 'model_index.json')) ? shippedDir : fixtureDir);
const steps = Number(env.BENCH_STEPS ?? 20);
const rounds = Number(env.BENCH_ROUNDS ?? 5);
const clients = Number(env.BENCH_CONCURRENCY ?? 8);
const perClient = Number(env.BENCH_PER_CLIENT ?? 3);
const cfgScale = Number(env.BENCH_CFG ?? 6);
const PROMPTS = ['a large red circle', 'a small blue square', 'a green triangle at the top', 'a yellow circle on the left'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function imagesPerSecond(pipeline: InferencePipeline, base: Omit<GenerationParams, 'seed' | 'n'>, round: number): Promise<number> {
  const start = performance.now();
  let images = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let r = 0; r < perClient; r++) {
        const seed = round * 10_000 + client * 100 + r;
        const result = await pipeline.generate({ prompt: PROMPTS[(client + r) % PROMPTS.length]!, params: { ...base, seed, n: 1 } });
        images += result.images.length;
      }
    }),
  );
  return images / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const options = inferenceOptionsFromConfig(loadConfig(env, { DIFFSCOPE_MODELS_DIR: modelsDir }));
  const pipeline = await createThreadedInferencePipeline({ ...options, logger: noopLogger });
  const info = await pipeline.describeModel(modelId);
  const base = { model: modelId, sampler: 'ddim' as const, steps, cfgScale, width: info.defaultWidth, height: info.defaultHeight };
  const batcher = new Batcher(pipeline, { maxImages: clients, windowMs: 25, logger: noopLogger });
  console.log(
    `model ${modelId} ${info.defaultWidth}×${info.defaultHeight}, ${steps} steps, cfg ${cfgScale}; ${clients} clients × ${perClient} requests; ` +
      `${rounds} rounds; ${cpus().length} CPUs, intra-op threads ${options.session?.intraOpNumThreads ?? 'default'}; provider ${env.DIFFSCOPE_EXECUTION_PROVIDER ?? 'cpu'}`,
  );
  // Warm-up: the model load and each session's first run, in both modes.
  await imagesPerSecond(pipeline, base, 0);
  await imagesPerSecond(batcher, base, 0);

  const unbatched: number[] = [];
  const batched: number[] = [];
  const ratios: number[] = [];
  console.log('round | unbatched img/s | batched img/s | ratio | load avg (1 min) before → after');
  for (let round = 1; round <= rounds; round++) {
    const loadBefore = loadavg()[0]!;
    let u: number;
    let b: number;
    if (round % 2) {
      u = await imagesPerSecond(pipeline, base, round);
      b = await imagesPerSecond(batcher, base, round);
    } else {
      b = await imagesPerSecond(batcher, base, round);
      u = await imagesPerSecond(pipeline, base, round);
    }
    unbatched.push(u);
    batched.push(b);
    ratios.push(b / u);
    console.log(`${round} | ${u.toFixed(2)} | ${b.toFixed(2)} | ${(b / u).toFixed(2)} | ${loadBefore.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`);
  }
  const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
  console.log(
    `median: unbatched ${median(unbatched).toFixed(2)} img/s (${spread(unbatched)}), batched ${median(batched).toFixed(2)} img/s (${spread(batched)}), ` +
      `ratio ${median(ratios).toFixed(2)} (${spread(ratios)})`,
  );
  await pipeline.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
