/**
 * GPU telemetry read through nvidia-smi, with a stand-in `nvidia-smi` on PATH that prints the
 * real CSV formats (noheader, nounits): the device name, this process's GPU memory (summed over
 * its rows, other processes ignored), the per-request peak, and the worker's /metrics gauges.
 * Without nvidia-smi everything is absent, never zero-filled.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuMemorySampler, gpuDeviceName, processGpuMemoryMb, queryGpus } from '../../src/inference/index.js';
import { registerGpuMetrics } from '../../src/worker/worker-metrics.js';

let dir: string;
const originalPath = process.env.PATH;
const memoryFile = () => join(dir, 'used-mib');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffscope-nvsmi-'));
  writeFileSync(memoryFile(), '243');
  // What nvidia-smi 580 prints for these queries (two GPUs; our pid on GPU 0 and GPU 1, another process on GPU 0).
  writeFileSync(
    join(dir, 'nvidia-smi'),
    `#!/bin/sh
case "$1" in
  --query-gpu=*) printf '0, NVIDIA H200, 1043, 143771, 37\\n1, NVIDIA H200, 0, 143771, 0\\n' ;;
  --query-compute-apps=*) printf '4242, 800\\n${process.pid}, %s\\n${process.pid}, 7\\n' "$(cat ${memoryFile()})" ;;
  *) exit 2 ;;
esac
`,
  );
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
  process.env.PATH = `${dir}${delimiter}${originalPath}`;
});
afterAll(() => {
  process.env.PATH = originalPath;
  rmSync(dir, { recursive: true, force: true });
});

describe('nvidia-smi readings', () => {
  it("parses the GPUs, names the device and sums this process's memory", async () => {
    expect(await queryGpus()).toEqual([
      { index: 0, name: 'NVIDIA H200', memoryUsedMb: 1043, memoryTotalMb: 143771, utilizationPct: 37 },
      { index: 1, name: 'NVIDIA H200', memoryUsedMb: 0, memoryTotalMb: 143771, utilizationPct: 0 },
    ]);
    expect(await gpuDeviceName(0)).toBe('gpu:0 NVIDIA H200');
    expect(await gpuDeviceName(5)).toBeUndefined();
    expect(await processGpuMemoryMb()).toBe(250);
    expect(await processGpuMemoryMb(99999)).toBe(0);
  });

  it('the per-request sampler keeps the peak it saw', async () => {
    const sampler = new GpuMemorySampler(10);
    sampler.start();
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(memoryFile(), '900');
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(memoryFile(), '300');
    expect(await sampler.stop()).toBe(907);
    writeFileSync(memoryFile(), '243');
  });

  it('worker /metrics: process memory, GPU memory and utilisation gauges', async () => {
    const registry = new Registry();
    registerGpuMetrics(0, { queryGpus, processGpuMemoryMb: () => processGpuMemoryMb() }, registry);
    const text = await registry.metrics();
    expect(text).toContain(`diffscope_gpu_process_memory_bytes{pid="${process.pid}"} ${250 * 1024 * 1024}`);
    expect(text).toContain(`diffscope_gpu_memory_used_bytes{gpu="0",name="NVIDIA H200"} ${1043 * 1024 * 1024}`);
    expect(text).toContain(`diffscope_gpu_memory_total_bytes{gpu="0",name="NVIDIA H200"} ${143771 * 1024 * 1024}`);
    expect(text).toContain('diffscope_gpu_utilization_ratio{gpu="0",name="NVIDIA H200"} 0.37');
  });

  it('without nvidia-smi: no readings and no series', async () => {
    process.env.PATH = '/nonexistent';
    try {
      expect(await queryGpus()).toBeUndefined();
      expect(await processGpuMemoryMb()).toBeUndefined();
      const sampler = new GpuMemorySampler(10);
      sampler.start();
      expect(await sampler.stop()).toBeUndefined();
      const registry = new Registry();
      registerGpuMetrics(0, { queryGpus, processGpuMemoryMb: () => processGpuMemoryMb() }, registry);
      expect(await registry.metrics()).not.toMatch(/^diffscope_gpu_\w+(\{.*\})? \d/m);
    } finally {
      process.env.PATH = `${dir}${delimiter}${originalPath}`;
    }
  });
});
