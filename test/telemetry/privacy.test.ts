import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { captureLogger } from './helpers.js';
import {
  configurePromptHashing,
  loggableParams,
  promptHash,
  promptHashKeyIsRandom,
  PromptHasher,
  redactSecrets,
  generationAttributes,
  ATTR,
} from '../../src/telemetry/index.js';

describe('promptHash', () => {
  it('is hex HMAC-SHA-256 under the configured secret', () => {
    configurePromptHashing('a-deployment-secret-of-32-chars!');
    expect(promptHashKeyIsRandom()).toBe(false);
    const expected = createHmac('sha256', 'a-deployment-secret-of-32-chars!').update('a red cube', 'utf8').digest('hex');
    expect(promptHash('a red cube')).toBe(expected);
    expect(promptHash('a red cube')).toMatch(/^[0-9a-f]{64}$/);
    // Equal prompts → equal hashes; a plain SHA-256 of the guess does not match.
    expect(promptHash('a red cube')).toBe(promptHash('a red cube'));
    expect(promptHash('a red cube')).not.toBe(createHmac('sha256', '').update('a red cube').digest('hex'));
  });

  it('different secrets give different hashes (a guess cannot be confirmed without the secret)', () => {
    configurePromptHashing('secret-one-xxxxxxxxxxxx');
    const one = promptHash('same prompt');
    configurePromptHashing('secret-two-xxxxxxxxxxxx');
    expect(promptHash('same prompt')).not.toBe(one);
  });

  it('without a secret uses a random per-process key and logs the WARN event prompt_hash_secret_random', () => {
    const cap = captureLogger();
    configurePromptHashing(undefined, cap.logger);
    expect(promptHashKeyIsRandom()).toBe(true);
    const [record] = cap.records();
    expect(record).toMatchObject({ level: 'WARN', event: 'prompt_hash_secret_random' });
    expect(String(record.message)).toContain('DIFFSCOPE_PROMPT_HASH_SECRET');
    const first = promptHash('p');
    configurePromptHashing(undefined, cap.logger);
    expect(promptHash('p')).not.toBe(first); // a new random key each time
  });

  it('keeps its key on the instance: hashers do not share state, and the process hasher is the configured one', () => {
    const a = new PromptHasher('shared-deployment-secret');
    const b = new PromptHasher('shared-deployment-secret');
    expect(a.randomKey).toBe(false);
    expect(a.hash('p')).toBe(b.hash('p'));
    expect(new PromptHasher('another-secret-xxxxxx').hash('p')).not.toBe(a.hash('p'));
    const random = new PromptHasher();
    expect(random.randomKey).toBe(true);
    expect(random.hash('p')).not.toBe(new PromptHasher().hash('p'));
    const configured = configurePromptHashing('shared-deployment-secret');
    expect(promptHash('p')).toBe(a.hash('p'));
    // An instance made later leaves the process's hasher alone.
    new PromptHasher('yet-another-secret-xx').hash('p');
    expect(promptHash('p')).toBe(configured.hash('p'));
  });
});

describe('loggableParams', () => {
  it('drops prompt and negative_prompt structurally (any depth, any spelling), adds hashes, redacts secrets', () => {
    configurePromptHashing('k'.repeat(20));
    const body = {
      prompt: 'P1',
      negative_prompt: 'N1',
      negativePrompt: 'N2',
      steps: 20,
      extra: { prompt: 'P2', nested: [{ prompt: 'P3', keep: 1 }] },
      webhook: { url: 'https://h.test/x', secret: 'S1' },
      headers: { Authorization: 'Bearer T', 'X-Api-Key': 'K' },
    };
    const out = loggableParams(body);
    const text = JSON.stringify(out);
    for (const s of ['P1', 'P2', 'P3', 'N1', 'N2', 'S1', 'Bearer T', '"K"']) expect(text).not.toContain(s);
    expect(out).toMatchObject({ steps: 20, prompt_hash: promptHash('P1'), negative_prompt_hash: promptHash('N1') });
    expect(out).not.toHaveProperty('prompt');
    expect(out).not.toHaveProperty('negative_prompt');
    expect((out.extra as { nested: unknown[] }).nested[0]).toEqual({ keep: 1 });
    expect((out.headers as Record<string, string>).Authorization).toBe('[REDACTED]');
    // The input is untouched (the job still needs its prompt).
    expect(body.prompt).toBe('P1');
    expect(body.webhook.secret).toBe('S1');
  });

  it('survives cycles, binary data and non-objects', () => {
    const body: Record<string, unknown> = { prompt: 'x', image: Buffer.alloc(1024) };
    body.self = body;
    const out = loggableParams(body);
    expect(out.self).toBe('[Circular]');
    expect(out.image).toBe('[binary 1024 bytes]');
    expect(loggableParams(null as never)).toEqual({});
  });
});

describe('redactSecrets', () => {
  it('masks prompts instead of dropping them when asked', () => {
    expect(redactSecrets({ prompt: 'x', a: 1 }, { prompts: 'mask' })).toEqual({ prompt: '[REDACTED]', a: 1 });
  });
});

describe('generationAttributes', () => {
  it('maps API and internal params onto the ATTR keys, with the prompt hashed, never raw', () => {
    configurePromptHashing('z'.repeat(20));
    const attrs = generationAttributes({
      model: 'shapes-v1',
      sampler: 'ddim',
      steps: 4,
      cfgScale: 7,
      seed: 9,
      width: 64,
      height: 32,
      n: 2,
      prompt: 'raw',
    });
    expect(attrs).toEqual({
      [ATTR.GEN_AI_OUTPUT_TYPE]: 'image',
      [ATTR.DIFFUSION_MODEL_ID]: 'shapes-v1',
      [ATTR.GEN_AI_REQUEST_MODEL]: 'shapes-v1',
      [ATTR.DIFFUSION_SAMPLER]: 'ddim',
      [ATTR.DIFFUSION_STEPS]: 4,
      [ATTR.DIFFUSION_CFG_SCALE]: 7,
      [ATTR.DIFFUSION_SEED]: 9,
      [ATTR.DIFFUSION_WIDTH]: 64,
      [ATTR.DIFFUSION_HEIGHT]: 32,
      [ATTR.DIFFUSION_N]: 2,
      [ATTR.DIFFUSION_PROMPT_HASH]: promptHash('raw'),
    });
  });
});
