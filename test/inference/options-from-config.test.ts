/** Config → pipeline options: every inference variable lands where the pipeline reads it. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { inferenceOptionsFromConfig } from '../../src/inference/index.js';

describe('inferenceOptionsFromConfig', () => {
  it('maps the DIFFSCOPE_* inference settings', () => {
    const config = loadConfig({}, {
      DIFFSCOPE_MODELS_DIR: '/srv/models',
      DIFFSCOPE_MODEL_CACHE_MB: '512',
      DIFFSCOPE_INTRA_OP_THREADS: '3',
      DIFFSCOPE_GRAPH_OPTIMIZATION: 'basic',
      DIFFSCOPE_EXECUTION_PROVIDER: 'cuda',
    });
    expect(inferenceOptionsFromConfig(config)).toEqual({
      modelsDir: '/srv/models',
      modelCacheMb: 512,
      session: { intraOpNumThreads: 3, graphOptimizationLevel: 'basic', executionProviders: ['cuda'] },
    });
  });

  it('defaults: models/, 2048 MB, ORT threads, all optimisations, cpu', () => {
    expect(inferenceOptionsFromConfig(loadConfig({}))).toEqual({
      modelsDir: 'models',
      modelCacheMb: 2048,
      session: { intraOpNumThreads: 0, graphOptimizationLevel: 'all', executionProviders: ['cpu'] },
    });
  });
});
