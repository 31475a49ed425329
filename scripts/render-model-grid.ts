/**
 * Renders a grid of what the shipped default model draws, for the README.
 *
 *   npx tsx scripts/render-model-grid.ts [modelsDir=models] [out=docs/images/shapes-v1-grid.png]
 *
 * Rows 1-3: every colour as a circle, a square and a triangle; row 4: size and position words.
 * Each 32x32 image is upscaled x4 (nearest neighbour) with a 2-pixel gap. The prompts and what
 * the scene reader reads back are printed as a Markdown table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import { createInferencePipeline } from '../src/inference/index.js';
import { decodePng, readScene, SCENE_COLOURS, SCENE_SHAPES } from '../src/inference/eval/index.js';

const SCALE = 4;
const GAP = 2;
const SIZE = 32;
const EXTRA_ROW = [
  'a red circle on the left',
  'a blue square on the right',
  'a yellow triangle at the top',
  'a green circle at the bottom',
  'a small purple square',
  'a large orange triangle',
  'a small white circle on the right',
];

async function main(): Promise<void> {
  const modelsDir = process.argv[2] ?? 'models';
  const out = process.argv[3] ?? 'docs/images/shapes-v1-grid.png';
  const rows: string[][] = SCENE_SHAPES.map((shape) =>
    SCENE_COLOURS.map((colour) => `${/^[aeiou]/.test(colour) ? 'an' : 'a'} ${colour} ${shape}`),
  );
  rows.push(EXTRA_ROW);
  const cols = Math.max(...rows.map((r) => r.length));
  const cell = SIZE * SCALE + GAP;
  const grid = new PNG({ width: cols * cell + GAP, height: rows.length * cell + GAP });
  grid.data.fill(255);

  const pipeline = await createInferencePipeline({ modelsDir });
  const table: string[] = ['| row | prompt | read back |', '|---|---|---|'];
  try {
    for (const [r, prompts] of rows.entries()) {
      for (const [c, prompt] of prompts.entries()) {
        const result = await pipeline.generate({
          prompt,
          params: {
            model: 'shapes-v1',
            sampler: 'ddim',
            steps: 50,
            cfgScale: 6,
            seed: 100 + r * cols + c,
            width: SIZE,
            height: SIZE,
            n: 1,
          },
        });
        const img = decodePng(result.images[0].png);
        const read = readScene(img);
        table.push(`| ${r + 1} | ${prompt} | ${read.size ?? '-'} ${read.colour ?? '-'} ${read.shape ?? '-'}, ${read.position ?? '-'} |`);
        for (let y = 0; y < SIZE * SCALE; y++) {
          for (let x = 0; x < SIZE * SCALE; x++) {
            const src = (Math.floor(y / SCALE) * SIZE + Math.floor(x / SCALE)) * 4;
            const dst = ((GAP + r * cell + y) * grid.width + GAP + c * cell + x) * 4;
            grid.data[dst] = img.data[src];
            grid.data[dst + 1] = img.data[src + 1];
            grid.data[dst + 2] = img.data[src + 2];
            grid.data[dst + 3] = 255;
          }
        }
      }
    }
  } finally {
    await pipeline.close();
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, PNG.sync.write(grid));
  console.log(`wrote ${out} (${grid.width}x${grid.height})\n\n${table.join('\n')}`);
}

await main();
