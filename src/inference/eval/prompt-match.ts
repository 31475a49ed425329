/**
 * Prompt-match measurement for the shipped shapes model: seeded prompts from its vocabulary,
 * generated through a real InferencePipeline, read back from the pixels (scene-reader.ts).
 * The prompt mix matches tools/default-model/data.py `eval_prompts` in spirit: every colour,
 * shape and position cycled, sizes drawn from the seed.
 */
import { PNG } from 'pngjs';
import type { InferencePipeline, SamplerName } from '../types.js';
import {
  SCENE_COLOURS,
  SCENE_SHAPES,
  readScene,
  type SceneColour,
  type ScenePosition,
  type SceneReading,
  type SceneShape,
} from './scene-reader.js';

export interface ScenePrompt {
  prompt: string;
  colour: SceneColour;
  shape: SceneShape;
  size?: 'small' | 'large';
  /** Unnamed means the model should draw near the centre. */
  position?: Exclude<ScenePosition, 'center'>;
  seed: number;
}

const POSITION_PHRASE: Record<Exclude<ScenePosition, 'center'>, string> = {
  left: 'on the left',
  right: 'on the right',
  top: 'at the top',
  bottom: 'at the bottom',
};
const POSITION_CYCLE = [undefined, 'left', 'right', 'top', 'bottom'] as const;
const SIZE_CHOICES = [undefined, 'small', 'large'] as const;

/** Small seeded PRNG (mulberry32): the prompt list is a pure function of the seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function scenePromptText(p: Omit<ScenePrompt, 'prompt' | 'seed'>): string {
  const words: string[] = [];
  if (p.size) words.push(p.size);
  words.push(p.colour, p.shape);
  const article = /^[aeiou]/.test(words[0]) ? 'an' : 'a';
  const tail = p.position ? ` ${POSITION_PHRASE[p.position]}` : '';
  return `${article} ${words.join(' ')}${tail}`;
}

/** `count` prompts cycling colours, shapes and positions; sizes and image seeds from `seed`. */
export function scenePrompts(count: number, seed = 1234): ScenePrompt[] {
  const rand = mulberry32(seed);
  const out: ScenePrompt[] = [];
  for (let i = 0; i < count; i++) {
    const attrs = {
      colour: SCENE_COLOURS[i % SCENE_COLOURS.length],
      shape: SCENE_SHAPES[i % SCENE_SHAPES.length],
      size: SIZE_CHOICES[Math.floor(rand() * SIZE_CHOICES.length)],
      position: POSITION_CYCLE[Math.floor(i / 3) % POSITION_CYCLE.length],
    };
    out.push({ ...attrs, prompt: scenePromptText(attrs), seed: Math.floor(rand() * 2 ** 31) });
  }
  return out;
}

export interface SceneMatch {
  colour: boolean;
  shape: boolean;
  size: boolean;
  position: boolean;
  colourShape: boolean;
  all: boolean;
}

/** Unnamed size means medium, unnamed position means center (that is what the data draws). */
export function matchScene(want: Omit<ScenePrompt, 'prompt' | 'seed'>, read: SceneReading): SceneMatch {
  const colour = read.colour === want.colour;
  const shape = read.shape === want.shape;
  const size = read.size === (want.size ?? 'medium');
  const position = read.position === (want.position ?? 'center');
  return { colour, shape, size, position, colourShape: colour && shape, all: colour && shape && size && position };
}

export interface PromptMatchOptions {
  pipeline: InferencePipeline;
  model: string;
  count: number;
  seed?: number;
  sampler?: SamplerName;
  steps?: number;
  cfgScale?: number;
  width?: number;
  height?: number;
}

export interface PromptMatchRow {
  prompt: ScenePrompt;
  read: SceneReading;
  match: SceneMatch;
  png: Buffer;
}

export interface PromptMatchReport {
  count: number;
  rates: Record<keyof SceneMatch, number> & { positionNamed: number; sizeNamed: number };
  rows: PromptMatchRow[];
}

export function decodePng(png: Buffer): { width: number; height: number; data: Uint8Array; channels: 4 } {
  const img = PNG.sync.read(png);
  return { width: img.width, height: img.height, data: img.data, channels: 4 };
}

export async function measurePromptMatch(options: PromptMatchOptions): Promise<PromptMatchReport> {
  const prompts = scenePrompts(options.count, options.seed);
  const rows: PromptMatchRow[] = [];
  for (const p of prompts) {
    const result = await options.pipeline.generate({
      prompt: p.prompt,
      params: {
        model: options.model,
        sampler: options.sampler ?? 'ddim',
        steps: options.steps ?? 50,
        cfgScale: options.cfgScale ?? 6,
        seed: p.seed,
        width: options.width ?? 32,
        height: options.height ?? 32,
        n: 1,
      },
    });
    const png = result.images[0].png;
    const read = readScene(decodePng(png));
    rows.push({ prompt: p, read, match: matchScene(p, read), png });
  }
  const rate = (pick: (r: PromptMatchRow) => boolean, of: PromptMatchRow[] = rows): number =>
    of.length === 0 ? 0 : of.filter(pick).length / of.length;
  return {
    count: rows.length,
    rates: {
      colour: rate((r) => r.match.colour),
      shape: rate((r) => r.match.shape),
      size: rate((r) => r.match.size),
      position: rate((r) => r.match.position),
      colourShape: rate((r) => r.match.colourShape),
      all: rate((r) => r.match.all),
      positionNamed: rate(
        (r) => r.match.position,
        rows.filter((r) => r.prompt.position !== undefined),
      ),
      sizeNamed: rate(
        (r) => r.match.size,
        rows.filter((r) => r.prompt.size !== undefined),
      ),
    },
    rows,
  };
}
