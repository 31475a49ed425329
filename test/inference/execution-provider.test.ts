/**
 * DIFFSCOPE_EXECUTION_PROVIDER: `webgpu` names the missing piece (Vulkan loader, GPU adapter)
 * and never falls back; `auto` falls back to CPU and logs why; `cuda` keeps its clear refusal.
 * This machine's own state decides which WebGPU branch runs (a GPU host passes the checks).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { checkWebGpu, chooseExecutionProvider, createInferencePipeline, type InferencePipelineExt } from '../../src/inference/index.js';
import { vulkanLoaderProblem, webgpuAdapterProblem } from '../../src/inference/execution-provider.js';
import { createLogger } from '../../src/telemetry/index.js';
import { FIXTURE_MODELS, params } from './pipeline-helpers.js';

const open: InferencePipelineExt[] = [];
afterAll(async () => {
  for (const p of open) await p.close();
});

describe('execution provider choice', () => {
  it('webgpu without the Vulkan loader: DSC_ERR_CONFIG_INVALID naming the library', async () => {
    const err = await checkWebGpu({}, 'libvulkan-not-installed.so.1').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DSC_ERR_CONFIG_INVALID' });
    expect((err as Error).message).toContain('the Vulkan loader libvulkan-not-installed.so.1 is not installed');
    expect((err as Error).message).toContain('libvulkan1');
  });

  it('webgpu with a loader but no adapter names the adapter (or, on a GPU host, passes)', async () => {
    // libm stands in for a loadable loader; the adapter probe is real.
    const adapter = await webgpuAdapterProblem();
    const result = await checkWebGpu({}, 'libm.so.6').then(
      () => 'ok',
      (e: unknown) => e,
    );
    if (adapter === undefined) expect(result).toBe('ok');
    else {
      expect(result).toMatchObject({
        code: 'DSC_ERR_CONFIG_INVALID',
        message: expect.stringMatching(/no GPU adapter found|WebGPU provider could not start/),
      });
    }
  });

  it('webgpu is refused at pipeline creation when this machine lacks a piece; auto falls back to cpu and logs why', async () => {
    const missing = vulkanLoaderProblem() ?? (await webgpuAdapterProblem());
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      service: 'inference-worker',
      level: 'info',
      destination: { write: (s: string) => lines.push(JSON.parse(s)) },
    });
    if (missing === undefined) {
      expect((await chooseExecutionProvider('auto')).provider).toBe('webgpu');
      return;
    }
    await expect(createInferencePipeline({ modelsDir: FIXTURE_MODELS, executionProvider: 'webgpu' })).rejects.toMatchObject({
      code: 'DSC_ERR_CONFIG_INVALID',
    });
    const auto = await createInferencePipeline({ modelsDir: FIXTURE_MODELS, executionProvider: 'auto', logger });
    open.push(auto);
    const selected = lines.find((l) => l.event === 'execution_provider_selected')!;
    expect(selected).toMatchObject({ requested: 'auto', provider: 'cpu', device: 'cpu' });
    expect(selected.reason).toMatch(/Vulkan loader|GPU adapter|WebGPU/);
    const result = await auto.generate({ prompt: 'a red circle', params: params({ steps: 2 }) });
    expect(result.device).toBe('cpu');
    expect(result.peakGpuMemoryMb).toBeUndefined();
  });

  it('cuda keeps its clear refusal when the CUDA provider is not installed', async () => {
    const pipeline = await createInferencePipeline({ modelsDir: FIXTURE_MODELS, executionProvider: 'cuda' });
    open.push(pipeline);
    const err = await pipeline.generate({ prompt: 'a red circle', params: params({ steps: 2 }) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DSC_ERR_CONFIG_INVALID' });
    expect((err as Error).message).toContain('not available');
  });
});
