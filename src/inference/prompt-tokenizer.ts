/**
 * Prompt → fixed-length token ids, as the text encoder expects them.
 *
 * Two on-disk forms (both from `save_pretrained`): `tokenizer.json` (any HF tokenizers model,
 * e.g. the WordLevel one of shapes-v1), or CLIP's slow-tokenizer files `vocab.json` + `merges.txt`,
 * for which we build the same `tokenizer.json` that `CLIPTokenizerFast` would (NFC, whitespace
 * collapse, lowercase, CLIP's split regex, byte-level BPE with `</w>`, BOS/EOS around the text).
 * Padding and truncation are ours: HF tokenizers.js does neither, and diffusers always pads to
 * `model_max_length` with the pad token (EOS for SD 1.x, "!" for SD 2.x).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import { DiffscopeError } from '../errors/index.js';

export interface PromptTokenizer {
  readonly maxLength: number;
  readonly padId: number;
  /** Token ids padded / truncated to `maxLength`. */
  encode(text: string): Int32Array;
}

export interface LoadTokenizerOptions {
  /** Sequence length the text encoder was exported with, when fixed; wins over the tokenizer's own. */
  encoderSequenceLength?: number;
}

type Json = Record<string, unknown>;

/**
 * What this file uses of @huggingface/tokenizers. Its .d.ts re-exports its classes through
 * extensionless paths ("./core/Tokenizer"), which NodeNext resolution cannot follow, so the
 * imported class arrives untyped; this states the part of its API we rely on.
 */
interface Bpe {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
  token_to_id(token: string): number | undefined;
}
const BpeTokenizer = Tokenizer as new (tokenizerJson: object, config: object) => Bpe;

const CLIP_SPLIT = "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

async function readJson(path: string): Promise<Json | undefined> {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Json;
  } catch (err) {
    throw new DiffscopeError('DSC_ERR_MODEL_INVALID', `${path} is not valid JSON`, { cause: err });
  }
}

/** A special token entry may be a string or `{content: "..."}` (AddedToken serialisation). */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Json).content === 'string') return (value as Json).content as string;
  return undefined;
}

function clipTokenizerJson(vocab: Record<string, number>, merges: string[], config: Json): Json {
  const bos = tokenText(config.bos_token) ?? '<|startoftext|>';
  const eos = tokenText(config.eos_token) ?? '<|endoftext|>';
  const unk = tokenText(config.unk_token) ?? eos;
  const added: Json[] = [];
  for (const content of new Set([bos, eos, unk])) {
    const id = vocab[content];
    if (id === undefined) continue;
    added.push({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CLIP_SPLIT }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [eos, vocab[eos]],
      cls: [bos, vocab[bos]],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: unk,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

function fixedLength(tokenizerJson: Json): number | undefined {
  const padding = tokenizerJson.padding as Json | null | undefined;
  const strategy = padding?.strategy as Json | string | undefined;
  if (strategy && typeof strategy === 'object' && typeof strategy.Fixed === 'number') return strategy.Fixed;
  const truncation = tokenizerJson.truncation as Json | null | undefined;
  if (truncation && typeof truncation.max_length === 'number') return truncation.max_length;
  return undefined;
}

export async function loadPromptTokenizer(dir: string, options: LoadTokenizerOptions = {}): Promise<PromptTokenizer> {
  const config = (await readJson(join(dir, 'tokenizer_config.json'))) ?? {};
  const specialMap = (await readJson(join(dir, 'special_tokens_map.json'))) ?? {};
  const merged: Json = { ...specialMap, ...config };
  let tokenizerJson = await readJson(join(dir, 'tokenizer.json'));
  if (!tokenizerJson) {
    const vocab = await readJson(join(dir, 'vocab.json'));
    const mergesPath = join(dir, 'merges.txt');
    if (!vocab || !existsSync(mergesPath)) {
      throw new DiffscopeError('DSC_ERR_MODEL_INVALID', `${dir} has neither tokenizer.json nor vocab.json + merges.txt`);
    }
    const merges = (await readFile(mergesPath, 'utf8')).split('\n').filter((line) => line.length > 0 && !line.startsWith('#version'));
    tokenizerJson = clipTokenizerJson(vocab as Record<string, number>, merges, merged);
  }
  // tokenizers.js looks the WordLevel unk token up in the config, not in the model block.
  const model = tokenizerJson.model as Json | undefined;
  const tokConfig: Json = { ...merged };
  for (const key of ['unk_token', 'bos_token', 'eos_token', 'pad_token']) tokConfig[key] = tokenText(merged[key]);
  if (tokConfig.unk_token === undefined && typeof model?.unk_token === 'string') tokConfig.unk_token = model.unk_token;

  let tokenizer: Bpe;
  try {
    tokenizer = new BpeTokenizer(tokenizerJson, tokConfig);
  } catch (err) {
    throw new DiffscopeError('DSC_ERR_MODEL_INVALID', `tokenizer in ${dir} could not be built: ${(err as Error).message}`, { cause: err });
  }

  const configMax = typeof config.model_max_length === 'number' && config.model_max_length < 100_000 ? config.model_max_length : undefined;
  const maxLength = options.encoderSequenceLength ?? configMax ?? fixedLength(tokenizerJson) ?? 77;
  const idOf = (token: unknown): number | undefined => {
    const text = tokenText(token);
    return text === undefined ? undefined : tokenizer.token_to_id(text);
  };
  const eosId = idOf(merged.eos_token);
  const paddingJson = tokenizerJson.padding as Json | null | undefined;
  const padId = idOf(merged.pad_token) ?? (typeof paddingJson?.pad_id === 'number' ? paddingJson.pad_id : undefined) ?? eosId ?? 0;
  return new FixedLengthTokenizer(tokenizer, maxLength, padId, eosId);
}

class FixedLengthTokenizer implements PromptTokenizer {
  constructor(
    private readonly tokenizer: Bpe,
    readonly maxLength: number,
    readonly padId: number,
    private readonly eosId: number | undefined,
  ) {}

  encode(text: string): Int32Array {
    const ids = this.tokenizer.encode(text, { add_special_tokens: true }).ids;
    const out = new Int32Array(this.maxLength).fill(this.padId);
    const endsWithEos = this.eosId !== undefined && ids.length > 0 && ids[ids.length - 1] === this.eosId;
    if (ids.length <= this.maxLength) {
      out.set(ids);
    } else if (endsWithEos) {
      // Same as HF truncation with special tokens: cut the text, keep BOS … EOS.
      out.set(ids.slice(0, this.maxLength - 1));
      out[this.maxLength - 1] = this.eosId!;
    } else {
      out.set(ids.slice(0, this.maxLength));
    }
    return out;
  }
}
