/**
 * The api-server lists models to validate requests but never runs one, so it must not load ONNX
 * Runtime (a native library of hundreds of MB). The proof is the process itself: once it listens,
 * its memory map (/proc/<pid>/maps) must show no onnxruntime library. A control process that does
 * import onnxruntime-node shows that the check can see the library when it is there.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, eventually, freePort, ServiceProcess, tempDir } from '../e2e/harness.js';
import { TEST_MODELS_DIR } from '../e2e/stack.js';

const ONNX_RUNTIME = /onnxruntime/i;

function mappedFiles(pid: number): string[] {
  return readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .map((line) => line.split(/\s+/).slice(5).join(' '))
    .filter((file) => file.startsWith('/'));
}

describe.skipIf(process.platform !== 'linux')('api-server without ONNX Runtime', () => {
  const data = tempDir('diffscope-api-no-onnx-');
  let api: ServiceProcess;
  let port: number;

  beforeAll(async () => {
    assertBuilt();
    port = await freePort();
    api = new ServiceProcess('api', {
      DIFFSCOPE_DATA_DIR: data.path,
      DIFFSCOPE_MODELS_DIR: TEST_MODELS_DIR,
      DIFFSCOPE_DEFAULT_MODEL: 'tiny-pixel',
      DIFFSCOPE_API_PORT: String(port),
      OTEL_SDK_DISABLED: 'true',
    });
    await api.waitForEvent('api_listening', 60_000);
  }, 90_000);

  afterAll(async () => {
    await api?.stop();
    data.remove();
  });

  it('lists the models from disk and validates against them', async () => {
    const listening = api.lines.find((l) => l.event === 'api_listening')!;
    expect(listening.models).toEqual(expect.arrayContaining(['tiny-pixel', 'tiny-sd']));
    const unknown = await fetch(`http://127.0.0.1:${port}/v1/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a red circle', model: 'no-such-model' }),
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('DSC_ERR_MODEL_NOT_FOUND');
    const badSize = await fetch(`http://127.0.0.1:${port}/v1/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a red circle', model: 'tiny-pixel', width: 17 }),
    });
    expect(((await badSize.json()) as { error: { code: string } }).error.code).toBe('DSC_ERR_INFER_BAD_SIZE');
  });

  it('has no onnxruntime library mapped into the process', () => {
    const files = mappedFiles(api.pid!);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => ONNX_RUNTIME.test(f))).toEqual([]);
  });

  it('control: a process that imports onnxruntime-node does show it in its map', async () => {
    const control = spawn(
      process.execPath,
      ['--input-type=module', '-e', "await import('onnxruntime-node'); console.log('loaded'); setInterval(() => {}, 1000);"],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      let out = '';
      control.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await eventually(async () => out.includes('loaded'), 30_000, 'onnxruntime-node imported');
      expect(mappedFiles(control.pid!).some((f) => ONNX_RUNTIME.test(f))).toBe(true);
    } finally {
      control.kill('SIGKILL');
    }
  }, 40_000);
});
