/**
 * CLIP BPE from vocab.json + merges.txt must give the ids of openai/CLIP's own algorithm
 * (computed by tools/tiny-sd/make_tiny_sd.py into tiny-sd-token-ids.json); padding to 77 with
 * the pad token, truncation keeping EOS; tokenizer.json (WordLevel) for pixel models.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPromptTokenizer } from '../../src/inference/index.js';
import { FIXTURE_MODELS } from './pipeline-helpers.js';

const reference = JSON.parse(readFileSync(join(FIXTURE_MODELS, 'tiny-sd-token-ids.json'), 'utf8')) as Record<string, number[]>;

describe('CLIP tokenizer (vocab.json + merges.txt)', async () => {
  const tokenizer = await loadPromptTokenizer(join(FIXTURE_MODELS, 'tiny-sd', 'tokenizer'));
  const eos = reference[''][1];

  it.each(Object.entries(reference))('%j → reference ids, then padding', (prompt, ids) => {
    const out = Array.from(tokenizer.encode(prompt));
    expect(out).toHaveLength(77);
    expect(out.slice(0, ids.length)).toEqual(ids);
    expect(new Set(out.slice(ids.length))).toEqual(ids.length < 77 ? new Set([eos]) : new Set());
  });

  it('lowercases and collapses whitespace', () => {
    expect(tokenizer.encode('A  RED\tCircle')).toEqual(tokenizer.encode('a red circle'));
  });

  it('truncates long prompts to 77 ids, keeping BOS first and EOS last', () => {
    const out = tokenizer.encode('red '.repeat(200));
    expect(out).toHaveLength(77);
    expect(out[0]).toBe(reference[''][0]);
    expect(out[76]).toBe(eos);
    expect(out[75]).toBe(reference['a red circle'][2]);
  });
});

describe('tokenizer.json (WordLevel, fixed length 8)', async () => {
  const tokenizer = await loadPromptTokenizer(join(FIXTURE_MODELS, 'tiny-pixel', 'tokenizer'));
  it('maps words, unknown words to <unk>, pads with <pad>', () => {
    expect(tokenizer.maxLength).toBe(8);
    expect(Array.from(tokenizer.encode('A large RED circle'))).toEqual([2, 4, 9, 5, 7, 3, 0, 0]);
    expect(Array.from(tokenizer.encode('a green thing'))).toEqual([2, 4, 1, 1, 3, 0, 0, 0]);
    expect(Array.from(tokenizer.encode('a a a a a a a a a a'))).toEqual([2, 4, 4, 4, 4, 4, 4, 3]);
  });
});
