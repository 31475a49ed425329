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
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Rate {
  /** Images per wall-clock second. */
  wall: number;
  /** Images per CPU-second of this process (all its threads): less sensitive to other load on a shared machine. */
  cpu: number;
}

async function throughput(pipeline: InferencePipeline, base: Omit<GenerationParams, 'seed' | 'n'>, round: number): Promise<Rate> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let images = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let r = 0; r < perClient; r++) {
        const seed = round * 10_000 + client * 100 + r;
        const result = await pipeline.generate({ prompt: PROMPTS[(client + r) % PROMPTS.length], params: { ...base, seed, n: 1 } });
        images += result.images.length;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuStart);
  return { wall: images / ((performance.now() - start) / 1000), cpu: images / ((cpu.user + cpu.system) / 1e6) };
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
  await throughput(pipeline, base, 0);
  await throughput(batcher, base, 0);

  const unbatched: Rate[] = [];
  const batched: Rate[] = [];
  console.log(
    'round | unbatched img/s | batched img/s | ratio | unbatched img/CPU-s | batched img/CPU-s | ratio | load avg (1 min) before → after',
  );
  for (let round = 1; round <= rounds; round++) {
    const loadBefore = loadavg()[0];
    let u: Rate;
    let b: Rate;
    if (round % 2) {
      u = await throughput(pipeline, base, round);
      b = await throughput(batcher, base, round);
    } else {
      b = await throughput(batcher, base, round);
      u = await throughput(pipeline, base, round);
    }
    unbatched.push(u);
    batched.push(b);
    console.log(
      `${round} | ${u.wall.toFixed(2)} | ${b.wall.toFixed(2)} | ${(b.wall / u.wall).toFixed(2)} | ${u.cpu.toFixed(2)} | ${b.cpu.toFixed(2)} | ${(b.cpu / u.cpu).toFixed(2)} | ` +
        `${loadBefore.toFixed(2)} → ${loadavg()[0].toFixed(2)}`,
    );
  }
  const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
  const summary = (what: 'wall' | 'cpu', unit: string) => {
    const u = unbatched.map((r) => r[what]);
    const b = batched.map((r) => r[what]);
    const ratios = b.map((x, i) => x / u[i]);
    return `${unit}: unbatched ${median(u).toFixed(2)} (${spread(u)}), batched ${median(b).toFixed(2)} (${spread(b)}), ratio ${median(ratios).toFixed(2)} (${spread(ratios)})`;
  };
  console.log(`median (min–max) over ${rounds} rounds`);
  console.log(summary('wall', 'img/s'));
  console.log(summary('cpu', 'img/CPU-s'));
  await pipeline.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
