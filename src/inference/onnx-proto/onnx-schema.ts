/**
 * The part of ONNX's protobuf schema (onnx/onnx.proto, proto2) that our model tools and the
 * WebGPU probe read and write, as a protobufjs reflection root. Field numbers are the spec's;
 * fields are declared in number order and proto2's unpacked repeated scalars are marked so, so
 * that decode → encode of a model written by the reference implementation gives the same bytes
 * (tools/onnx-model/convert-fp16.ts checks this before it rewrites anything).
 */
import protobuf from 'protobufjs';

type FieldJson = { type: string; id: number; rule?: 'repeated'; options?: { packed: boolean } };
type Fields = Record<string, FieldJson>;

const one = (type: string, id: number): FieldJson => ({ type, id });
const many = (type: string, id: number): FieldJson => ({ type, id, rule: 'repeated' });
/** proto2 repeated scalars are unpacked unless the schema says `[packed = true]`. */
const unpacked = (type: string, id: number): FieldJson => ({ type, id, rule: 'repeated', options: { packed: false } });
const packed = (type: string, id: number): FieldJson => ({ type, id, rule: 'repeated', options: { packed: true } });

const stringStringEntry: Fields = { key: one('string', 1), value: one('string', 2) };

const attribute: Fields = {
  name: one('string', 1),
  f: one('float', 2),
  i: one('int64', 3),
  s: one('bytes', 4),
  t: one('TensorProto', 5),
  g: one('GraphProto', 6),
  floats: unpacked('float', 7),
  ints: unpacked('int64', 8),
  strings: many('bytes', 9),
  tensors: many('TensorProto', 10),
  graphs: many('GraphProto', 11),
  docString: one('string', 13),
  type: one('int32', 20),
  refAttrName: one('string', 21),
};

const node: Fields = {
  input: many('string', 1),
  output: many('string', 2),
  name: one('string', 3),
  opType: one('string', 4),
  attribute: many('AttributeProto', 5),
  docString: one('string', 6),
  domain: one('string', 7),
  overload: one('string', 8),
  metadataProps: many('StringStringEntryProto', 9),
};

const tensor: Fields = {
  dims: unpacked('int64', 1),
  dataType: one('int32', 2),
  floatData: packed('float', 4),
  int32Data: packed('int32', 5),
  stringData: many('bytes', 6),
  int64Data: packed('int64', 7),
  name: one('string', 8),
  rawData: one('bytes', 9),
  doubleData: packed('double', 10),
  uint64Data: packed('uint64', 11),
  docString: one('string', 12),
  externalData: many('StringStringEntryProto', 13),
  dataLocation: one('int32', 14),
  metadataProps: many('StringStringEntryProto', 16),
};

const dimension: Fields = { dimValue: one('int64', 1), dimParam: one('string', 2), denotation: one('string', 3) };

const graph: Fields = {
  node: many('NodeProto', 1),
  name: one('string', 2),
  initializer: many('TensorProto', 5),
  docString: one('string', 10),
  input: many('ValueInfoProto', 11),
  output: many('ValueInfoProto', 12),
  valueInfo: many('ValueInfoProto', 13),
  metadataProps: many('StringStringEntryProto', 16),
};

const model: Fields = {
  irVersion: one('int64', 1),
  producerName: one('string', 2),
  producerVersion: one('string', 3),
  domain: one('string', 4),
  modelVersion: one('int64', 5),
  docString: one('string', 6),
  graph: one('GraphProto', 7),
  opsetImport: many('OperatorSetIdProto', 8),
  metadataProps: many('StringStringEntryProto', 14),
};

const root = protobuf.Root.fromJSON({
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: stringStringEntry },
        AttributeProto: { fields: attribute },
        NodeProto: { fields: node },
        TensorProto: { fields: tensor },
        TensorShapeProto: { fields: { dim: many('Dimension', 1) }, nested: { Dimension: { fields: dimension } } },
        TypeProto: {
          fields: { tensorType: one('Tensor', 1), denotation: one('string', 6) },
          nested: { Tensor: { fields: { elemType: one('int32', 1), shape: one('TensorShapeProto', 2) } } },
        },
        ValueInfoProto: { fields: { name: one('string', 1), type: one('TypeProto', 2), docString: one('string', 3) } },
        GraphProto: { fields: graph },
        OperatorSetIdProto: { fields: { domain: one('string', 1), version: one('int64', 2) } },
        ModelProto: { fields: model },
      },
    },
  },
});

export const ModelProto = root.lookupType('onnx.ModelProto');

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const;
/** AttributeProto.AttributeType values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;
