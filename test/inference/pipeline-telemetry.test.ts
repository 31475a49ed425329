/**
 * Spans and log events of a generation, captured with an in-memory exporter: the worker's
 * `inference` span gets `model.load` (cache miss only), `text.encode`, `sampling` (per-step
 * durations as one array, no span per step) and `vae.decode` / `image.decode` children; the logs
 * carry the contract fields; the prompt appears nowhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { trace } from '@opentelemetry/api';
import { createInferencePipeline, type InferencePipelineExt } from '../../src/inference/index.js';
import { ATTR, createLogger, withSpan } from '../../src/telemetry/index.js';
import { FIXTURE_MODELS, params } from './pipeline-helpers.js';

const PROMPT = 'a secret purple circle prompt';
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const lines: Record<string, unknown>[] = [];
let pipeline: InferencePipelineExt;

beforeAll(async () => {
  trace.setGlobalTracerProvider(provider);
  const logger = createLogger({ service: 'test', level: 'info', destination: { write: (s: string) => lines.push(JSON.parse(s)) } });
  pipeline = await createInferencePipeline({ modelsDir: FIXTURE_MODELS, logger });
});
afterAll(async () => {
  await pipeline.close();
  await provider.shutdown();
  trace.disable();
});

async function traced(model: string, width: number): Promise<ReadableSpan[]> {
  exporter.reset();
  await withSpan('inference', {}, () =>
    pipeline.generate({ prompt: PROMPT, params: params({ model, steps: 4, width, height: width, n: 2 }) }),
  );
  return exporter.getFinishedSpans();
}

function children(spans: ReadableSpan[]): { names: string[]; parent: ReadableSpan } {
  const parent = spans.find((s) => s.name === 'inference')!;
  const kids = spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
  return { names: kids.map((s) => s.name), parent };
}

describe('telemetry of a generation', () => {
  it('cold request: model.load, text.encode, sampling, vae.decode under the inference span', async () => {
    const spans = await traced('tiny-sd', 64);
    const { names, parent } = children(spans);
    expect(names).toEqual(['model.load', 'text.encode', 'sampling', 'vae.decode']);
    expect(parent.attributes[ATTR.DIFFUSION_CACHE_HIT]).toBe(false);
    expect(parent.attributes[ATTR.DIFFUSION_MODEL_ID]).toBe('tiny-sd');
    expect(parent.attributes[ATTR.DIFFUSION_MODEL_VERSION]).toMatch(/^[0-9a-f]{12}$/);
    expect(parent.attributes[ATTR.DIFFUSION_DEVICE]).toBe('cpu');
    expect(parent.attributes[ATTR.DIFFUSION_PEAK_MEMORY_MB]).toBeGreaterThan(0);
    const sampling = spans.find((s) => s.name === 'sampling')!;
    const durations = sampling.attributes[ATTR.DIFFUSION_STEP_DURATIONS_MS] as number[];
    expect(durations).toHaveLength(4);
    expect(durations.every((d) => typeof d === 'number' && d >= 0)).toBe(true);
    expect(sampling.attributes[ATTR.DIFFUSION_STEPS_PER_SECOND]).toBeGreaterThan(0);
  });

  it('warm request: no model.load, cache_hit true', async () => {
    const { names, parent } = children(await traced('tiny-sd', 64));
    expect(names).toEqual(['text.encode', 'sampling', 'vae.decode']);
    expect(parent.attributes[ATTR.DIFFUSION_CACHE_HIT]).toBe(true);
  });

  it('pixel model: image.decode instead of vae.decode', async () => {
    await traced('tiny-pixel', 16);
    const { names } = children(await traced('tiny-pixel', 16));
    expect(names).toEqual(['text.encode', 'sampling', 'image.decode']);
  });

  it('logs the lifecycle events with the contract fields and never the prompt', () => {
    const events = lines.map((l) => l.event);
    expect(events).toContain('model_load_start');
    expect(events).toContain('model_load_complete');
    const loaded = lines.find((l) => l.event === 'model_load_complete')!;
    expect(loaded).toMatchObject({ model_id: 'tiny-sd' });
    expect(typeof loaded.duration_ms).toBe('number');
    const done = lines.find((l) => l.event === 'inference_complete')!;
    for (const key of [
      'model_id',
      'model_version',
      'sampler',
      'steps',
      'cfg_scale',
      'seed',
      'width',
      'height',
      'inference_time_ms',
      'peak_memory_mb',
      'device',
    ]) {
      expect(done, key).toHaveProperty(key);
    }
    expect(events.filter((e) => e === 'inference_start').length).toBe(events.filter((e) => e === 'inference_complete').length);
    expect(JSON.stringify(lines)).not.toContain('secret purple');
    const spanText = JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes));
    expect(spanText).not.toContain('secret purple');
  });
});
