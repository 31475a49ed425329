/**
 * Writes the slow test model folder.
 *   npx tsx tools/onnx-model/make-slow-model.ts OUT_DIR [--channels 256] [--upscale 4] [--convs 8] [--seed 0]
 * Then e.g. BENCH_MODELS_DIR=$(dirname OUT_DIR) BENCH_MODEL=$(basename OUT_DIR) npm run bench:infer.
 */
import { parseArgs } from 'node:util';
import { writeSlowModel } from './slow-model.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { channels: { type: 'string' }, upscale: { type: 'string' }, convs: { type: 'string' }, seed: { type: 'string' } },
});
const out = positionals[0];
if (!out) {
  console.error('usage: make-slow-model.ts OUT_DIR [--channels N] [--upscale N] [--convs N] [--seed N]');
  process.exit(2);
}
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
writeSlowModel(out, { channels: num(values.channels), upscale: num(values.upscale), convs: num(values.convs), seed: num(values.seed) });
console.log(`wrote ${out}`);
