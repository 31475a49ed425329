/**
 * Event-loop delay of a worker process while the slow test model (tools/onnx-model/slow-model.ts,
 * steps of seconds on CPU) samples: the pipeline in-process (before) vs in a worker thread
 * (after, what the worker runs). perf_hooks.monitorEventLoopDelay at 10 ms resolution.
 *
 *   npx tsx bench/inference/event-loop.bench.ts       (BENCH_STEPS=3, BENCH_CONVS=8)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInferencePipeline, createThreadedInferencePipeline, type InferencePipelineExt } from '../../src/inference/index.js';
import { writeSlowModel } from '../../tools/onnx-model/slow-model.js';

const steps = Number(process.env.BENCH_STEPS ?? 3);
const convs = Number(process.env.BENCH_CONVS ?? 8);
const dir = mkdtempSync(join(tmpdir(), 'diffscope-slow-bench-'));
writeSlowModel(join(dir, 'slow'), { convs });

async function measure(name: string, pipeline: InferencePipelineExt): Promise<void> {
  const params = { model: 'slow', sampler: 'ddim' as const, steps, cfgScale: 6, seed: 1, width: 32, height: 32, n: 1 };
  await pipeline.generate({ prompt: 'warm-up', params: { ...params, steps: 1 } });
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const r = await pipeline.generate({ prompt: 'a red circle', params });
  h.disable();
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  console.log(
    `${name.padEnd(10)} step ms ${r.timings.stepMs.map((s) => s.toFixed(0)).join('/')}; event-loop delay p50 ${ms(h.percentile(50))} ms, p99 ${ms(h.percentile(99))} ms, max ${ms(h.max)} ms`,
  );
  await pipeline.close();
}

console.log(`# event-loop delay during ${steps} CFG steps of the slow model (${convs} convolutions)`);
await measure('in-process', await createInferencePipeline({ modelsDir: dir }));
await measure('thread', await createThreadedInferencePipeline({ modelsDir: dir }));
rmSync(dir, { recursive: true, force: true });
