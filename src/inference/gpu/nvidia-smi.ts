/**
 * What NVML says about the GPUs and about this process, read through `nvidia-smi` (found on
 * PATH; the driver installs it). Every number here was printed by nvidia-smi: when it is absent
 * or fails we return undefined, never a guess. A worker thread shares the process id, so the
 * per-process memory is the inference thread's.
 */
import { execFile } from 'node:child_process';

export interface GpuStatus {
  index: number;
  name: string;
  memoryUsedMb: number;
  memoryTotalMb: number;
  /** 0–100, over nvidia-smi's last sample period. */
  utilizationPct: number;
}

const TIMEOUT_MS = 3_000;

function run(args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', args, { timeout: TIMEOUT_MS, windowsHide: true }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

function rows(csv: string): string[][] {
  return csv
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => line.split(',').map((cell) => cell.trim()));
}

function number(cell: string | undefined): number | undefined {
  if (cell === undefined || cell === '' || /N\/A|Not Supported/i.test(cell)) return undefined;
  const value = Number(cell);
  return Number.isFinite(value) ? value : undefined;
}

/** `nvidia-smi --query-gpu=index,name,memory.used,memory.total,utilization.gpu --format=csv,noheader,nounits` */
export async function queryGpus(): Promise<GpuStatus[] | undefined> {
  const out = await run(['--query-gpu=index,name,memory.used,memory.total,utilization.gpu', '--format=csv,noheader,nounits']);
  if (out === undefined) return undefined;
  const gpus: GpuStatus[] = [];
  for (const [index, name, used, total, util] of rows(out)) {
    const i = number(index);
    if (i === undefined || name === undefined) continue;
    gpus.push({ index: i, name, memoryUsedMb: number(used) ?? 0, memoryTotalMb: number(total) ?? 0, utilizationPct: number(util) ?? 0 });
  }
  return gpus;
}

/**
 * GPU memory this process holds, in MiB: `nvidia-smi --query-compute-apps=pid,used_memory
 * --format=csv,noheader,nounits`, summed over our pid's rows (one per GPU it uses). 0 when
 * nvidia-smi answers without us; undefined when it cannot be asked.
 */
export async function processGpuMemoryMb(pid: number = process.pid): Promise<number | undefined> {
  const out = await run(['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits']);
  if (out === undefined) return undefined;
  let total = 0;
  for (const [p, used] of rows(out)) if (number(p) === pid) total += number(used) ?? 0;
  return total;
}

/** `gpu:0 NVIDIA H200` for the configured index, or undefined without nvidia-smi. */
export async function gpuDeviceName(index: number): Promise<string | undefined> {
  const gpu = (await queryGpus())?.find((g) => g.index === index);
  return gpu ? `gpu:${gpu.index} ${gpu.name}` : undefined;
}
