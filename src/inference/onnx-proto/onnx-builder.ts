/**
 * Small constructors for ONNX graphs written from TypeScript: tensors (raw little-endian data),
 * nodes with typed attributes, value infos with symbolic dims, and the model envelope.
 * Used by the test-model tools (tools/onnx-model/) and the WebGPU adapter probe.
 */
import { AttributeType, DataType, ModelProto } from './onnx-schema.js';

export type Dim = number | string;
export type AttrValue = number | string | number[] | { int: number } | { ints: number[] };

export interface TensorMessage {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  // ONNX raw_data is little-endian, as every typed array is on the hosts we run on.
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

export function floatTensor(name: string, dims: number[], data: Float32Array): TensorMessage {
  return { name, dims, dataType: DataType.FLOAT, rawData: bytesOf(data) };
}

export function int64Tensor(name: string, dims: number[], values: readonly number[]): TensorMessage {
  return { name, dims, dataType: DataType.INT64, rawData: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))) };
}

/** Attributes: a number is a float unless wrapped as `{ int }`; arrays of numbers are INTS. */
function attribute(name: string, value: AttrValue): Record<string, unknown> {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: AttributeType.FLOAT, f: value };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int };
  return { name, type: AttributeType.INTS, ints: value.ints };
}

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, AttrValue> = {},
  name?: string,
): Record<string, unknown> {
  return {
    opType,
    input: inputs,
    output: outputs,
    name: name ?? `${opType}_${outputs[0]}`,
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  };
}

export function valueInfo(name: string, elemType: number, dims: readonly Dim[]): Record<string, unknown> {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export interface GraphSpec {
  name: string;
  nodes: Record<string, unknown>[];
  initializers: TensorMessage[];
  inputs: Record<string, unknown>[];
  outputs: Record<string, unknown>[];
}

/** IR version 8 with opset 17: what torch.onnx exports our fixtures with, and ORT 1.30 runs. */
export function encodeModel(graph: GraphSpec, producer = 'diffscope'): Uint8Array {
  const message = ModelProto.fromObject({
    irVersion: 8,
    producerName: producer,
    graph: { name: graph.name, node: graph.nodes, initializer: graph.initializers, input: graph.inputs, output: graph.outputs },
    opsetImport: [{ domain: '', version: 17 }],
  });
  return ModelProto.encode(message).finish();
}

export { DataType };
