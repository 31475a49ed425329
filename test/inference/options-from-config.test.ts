/** Config → pipeline options: every inference variable lands where the pipeline reads it. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { inferenceOptionsFromConfig } from '../../src/inference/index.js';

describe('inferenceOptionsFromConfig', () => {
  it('maps the DIFFSCOPE_* inference settings', () => {
    const config = loadConfig(
      {},
      {
        DIFFSCOPE_MODELS_DIR: '/srv/models',
        DIFFSCOPE_MODEL_CACHE_MB: '512',
        DIFFSCOPE_INTRA_OP_THREADS: '3',
        DIFFSCOPE_GRAPH_OPTIMIZATION: 'basic',
        DIFFSCOPE_EXECUTION_PROVIDER: 'cuda',
        DIFFSCOPE_WEBGPU_LAYOUT: 'NHWC',
        DIFFSCOPE_GPU_INDEX: '1',
      },
    );
    expect(inferenceOptionsFromConfig(config)).toEqual({
      modelsDir: '/srv/models',
      modelCacheMb: 512,
      executionProvider: 'cuda',
      gpuIndex: 1,
      session: { intraOpNumThreads: 3, graphOptimizationLevel: 'basic', webgpu: { preferredLayout: 'NHWC', validationMode: 'basic' } },
    });
  });

  it('defaults: models/, 2048 MB, ORT threads, all optimisations, cpu', () => {
    expect(inferenceOptionsFromConfig(loadConfig({}))).toEqual({
      modelsDir: 'models',
      modelCacheMb: 2048,
      executionProvider: 'cpu',
      gpuIndex: 0,
      session: { intraOpNumThreads: 0, graphOptimizationLevel: 'all', webgpu: { preferredLayout: 'NCHW', validationMode: 'basic' } },
    });
  });
});
