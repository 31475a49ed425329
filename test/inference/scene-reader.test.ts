import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readScene, type ScenePixels } from '../../src/inference/eval/scene-reader.js';
import { decodePng, matchScene, scenePromptText, scenePrompts } from '../../src/inference/eval/prompt-match.js';

// Scenes drawn by tools/default-model/make-fixtures.py with the training data generator.
const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'scenes');
interface FixtureRow {
  file: string;
  prompt: string;
  attributes: { colour: string; shape: string; size: string | null; position: string | null };
  python_read: { colour: string; shape: string; size: string; position: string };
}
const fixtures = JSON.parse(readFileSync(join(fixtureDir, 'scenes.json'), 'utf8')) as {
  scenes: FixtureRow[];
  generated: Pick<FixtureRow, 'file' | 'python_read'>[];
};

function blank(width: number, height: number, rgb: [number, number, number]): ScenePixels {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data, channels: 3 };
}

function paint(img: ScenePixels, inside: (x: number, y: number) => boolean, rgb: [number, number, number]): void {
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) if (inside(x + 0.5, y + 0.5)) img.data.set(rgb, (y * img.width + x) * img.channels);
  }
}

describe('readScene on scenes drawn by the training data generator', () => {
  it.each(fixtures.scenes.map((s) => [s.prompt, s] as const))('%s', (_prompt, scene) => {
    const read = readScene(decodePng(readFileSync(join(fixtureDir, scene.file))));
    const want = scene.attributes;
    expect(read.colour).toBe(want.colour);
    expect(read.shape).toBe(want.shape);
    expect(read.size).toBe(want.size ?? 'medium');
    expect(read.position).toBe(want.position ?? 'center');
    // The TypeScript port must agree with the Python reader used during training.
    expect({ colour: read.colour, shape: read.shape, size: read.size, position: read.position }).toEqual(scene.python_read);
  });
});

describe('readScene on noisy samples of an early shapes-v1 checkpoint', () => {
  // No ground truth here: these pin the TypeScript port to reader.py on lumpy, speckled images.
  it.each(fixtures.generated.map((g) => [g.file, g] as const))('%s reads like reader.py', (_file, g) => {
    const read = readScene(decodePng(readFileSync(join(fixtureDir, g.file))));
    expect({ colour: read.colour, shape: read.shape, size: read.size, position: read.position }).toEqual(g.python_read);
  });
});

describe('readScene on hand-drawn pixels', () => {
  it('reads a small orange circle on the right of an RGB image', () => {
    const img = blank(32, 32, [20, 25, 30]);
    paint(img, (x, y) => (x - 25) ** 2 + (y - 16) ** 2 <= 16, [245, 140, 30]);
    const read = readScene(img);
    expect(read).toMatchObject({ colour: 'orange', shape: 'circle', size: 'small', position: 'right' });
  });

  it('reads a large white square at the top of an RGBA image and ignores alpha', () => {
    const rgb = blank(32, 32, [10, 10, 40]);
    paint(rgb, (x, y) => Math.abs(x - 16) <= 8 && Math.abs(y - 10) <= 8, [240, 240, 240]);
    const data = new Uint8Array(32 * 32 * 4);
    for (let i = 0; i < 32 * 32; i++) data.set([rgb.data[i * 3], rgb.data[i * 3 + 1], rgb.data[i * 3 + 2], i % 7], i * 4);
    expect(readScene({ width: 32, height: 32, data, channels: 4 })).toMatchObject({
      colour: 'white',
      shape: 'square',
      size: 'large',
      position: 'top',
    });
  });

  it('reads a triangle, keeping the largest blob and ignoring a stray speck', () => {
    const img = blank(32, 32, [30, 20, 20]);
    // Upward triangle, apex at y=9, base at y=23, centred at x=10.
    paint(img, (x, y) => y >= 9 && y <= 23 && Math.abs(x - 10) <= ((y - 9) / 14) * 8, [40, 190, 60]);
    paint(img, (x, y) => x > 27 && x < 29 && y > 3 && y < 5, [40, 190, 60]);
    expect(readScene(img)).toMatchObject({ colour: 'green', shape: 'triangle', position: 'left' });
  });

  it('finds nothing on a plain background', () => {
    const read = readScene(blank(32, 32, [30, 30, 30]));
    expect(read).toMatchObject({ colour: null, shape: null, size: null, position: null, areaPx: 0 });
  });

  it('rejects a buffer shorter than width × height × channels', () => {
    expect(() => readScene({ width: 32, height: 32, data: new Uint8Array(10), channels: 3 })).toThrow(RangeError);
  });
});

describe('scene prompts', () => {
  it('are a pure function of the seed and use only the model vocabulary', () => {
    const a = scenePrompts(30, 7);
    expect(scenePrompts(30, 7)).toEqual(a);
    expect(scenePrompts(30, 8).map((p) => p.seed)).not.toEqual(a.map((p) => p.seed));
    const vocab = new Set(
      'a an small large red green blue yellow purple orange white circle square triangle on at the left right top bottom'.split(' '),
    );
    for (const p of a) for (const w of p.prompt.split(' ')) expect(vocab.has(w)).toBe(true);
    // Every colour, shape and named position appears in 30 prompts.
    expect(new Set(a.map((p) => p.colour)).size).toBe(7);
    expect(new Set(a.map((p) => p.shape)).size).toBe(3);
    expect(new Set(a.map((p) => p.position)).size).toBe(5);
  });

  it('phrase like the training data', () => {
    expect(scenePromptText({ colour: 'orange', shape: 'circle', size: 'large', position: 'left' })).toBe(
      'a large orange circle on the left',
    );
    expect(scenePromptText({ colour: 'orange', shape: 'square' })).toBe('an orange square');
    expect(scenePromptText({ colour: 'red', shape: 'triangle', position: 'bottom' })).toBe('a red triangle at the bottom');
  });

  it('score unnamed size as medium and unnamed position as center', () => {
    const read = {
      colour: 'red',
      shape: 'circle',
      size: 'medium',
      position: 'center',
      areaPx: 100,
      fill: 0.78,
      meanRgb: [0, 0, 0],
    } as const;
    const m = matchScene({ colour: 'red', shape: 'circle' }, { ...read, meanRgb: [0, 0, 0] });
    expect(m).toEqual({ colour: true, shape: true, size: true, position: true, colourShape: true, all: true });
    expect(matchScene({ colour: 'red', shape: 'circle', position: 'left' }, { ...read, meanRgb: [0, 0, 0] }).all).toBe(false);
  });
});
