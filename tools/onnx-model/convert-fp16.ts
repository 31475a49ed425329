/**
 * Turns an fp32 ONNX model into the fp16 form GPU exports of Stable Diffusion have at their
 * boundary: float inputs and outputs become float16, float weights are stored as float16.
 * Inside, the graph still computes in float32 (a Cast after each fp16 input and weight, one
 * before each output) so it runs on every execution provider: ONNX Runtime's CPU provider has
 * fp16 kernels for few operators. What it tests is the pipeline's side: feeding and reading
 * float16 tensors, and weights that are half the size.
 *
 * The schema subset in src/inference/onnx-proto/onnx-schema.ts must cover the file: we check
 * that decode → encode reproduces it byte for byte before changing anything.
 */
import { mkdirSync, readFileSync, writeFileSync, cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { float32ToHalf } from '../../src/inference/float16.js';
import { DataType, ModelProto } from '../../src/inference/onnx-proto/onnx-schema.js';
import { node } from '../../src/inference/onnx-proto/onnx-builder.js';

interface Tensor {
  name: string;
  dims: unknown[];
  dataType: number;
  rawData?: Uint8Array;
  floatData?: number[];
}
interface ValueInfo {
  name: string;
  type?: { tensorType?: { elemType: number } };
}
interface Node {
  input: string[];
  output: string[];
}
interface Graph {
  node: Node[];
  initializer: Tensor[];
  input: ValueInfo[];
  output: ValueInfo[];
}

function floats(t: Tensor): Float32Array {
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData);
    return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}

function rename(g: Graph, from: string, to: string): void {
  for (const n of g.node) {
    n.input = n.input.map((x) => (x === from ? to : x));
    n.output = n.output.map((x) => (x === from ? to : x));
  }
}

export function convertToFp16(bytes: Uint8Array): Uint8Array {
  const model = ModelProto.decode(bytes);
  const again = ModelProto.encode(model).finish();
  if (Buffer.compare(Buffer.from(again), Buffer.from(bytes)) !== 0) {
    throw new Error('this model uses ONNX fields our schema subset does not know; extend src/inference/onnx-proto/onnx-schema.ts');
  }
  const g = (model as unknown as { graph: Graph }).graph;
  const head: Node[] = [];
  const tail: Node[] = [];
  for (const t of g.initializer) {
    if (t.dataType !== DataType.FLOAT) continue;
    const half = `${t.name}__fp16`;
    const bits = float32ToHalf(floats(t));
    head.push(node('Cast', [half], [t.name], { to: { int: DataType.FLOAT } }) as unknown as Node);
    t.name = half;
    t.dataType = DataType.FLOAT16;
    t.rawData = new Uint8Array(bits.buffer);
    t.floatData = [];
  }
  for (const vi of g.input) {
    const tt = vi.type?.tensorType;
    if (tt?.elemType !== DataType.FLOAT) continue;
    const inner = `${vi.name}__fp32`;
    rename(g, vi.name, inner);
    head.push(node('Cast', [vi.name], [inner], { to: { int: DataType.FLOAT } }) as unknown as Node);
    tt.elemType = DataType.FLOAT16;
  }
  for (const vi of g.output) {
    const tt = vi.type?.tensorType;
    if (tt?.elemType !== DataType.FLOAT) continue;
    const inner = `${vi.name}__fp32`;
    rename(g, vi.name, inner);
    tail.push(node('Cast', [inner], [vi.name], { to: { int: DataType.FLOAT16 } }) as unknown as Node);
    tt.elemType = DataType.FLOAT16;
  }
  g.node = [...head, ...g.node, ...tail];
  return ModelProto.encode(ModelProto.fromObject(model.toJSON())).finish();
}

/** Copies a model folder, converting every `*\/model.onnx` to fp16; other files are copied as they are. */
export function writeFp16ModelFolder(source: string, target: string): void {
  mkdirSync(target, { recursive: true });
  cpSync(source, target, { recursive: true });
  for (const part of ['text_encoder', 'unet', 'vae_decoder']) {
    const file = join(source, part, 'model.onnx');
    if (!existsSync(file)) continue;
    writeFileSync(join(target, part, 'model.onnx'), convertToFp16(readFileSync(file)));
  }
}
