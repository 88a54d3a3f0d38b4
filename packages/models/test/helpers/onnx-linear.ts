import protobuf from 'protobufjs';

/**
 * Small ONNX models built in the test, so no model file needs to be shipped or downloaded. The proto
 * below is the subset of onnx.proto (onnx/onnx, `onnx/onnx.proto`) these graphs use, with the real
 * field numbers, so any ONNX runtime reads the bytes.
 */
const ONNX_PROTO = `
syntax = "proto2";
package onnx;

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
}

message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}

message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  repeated double double_data = 10 [packed = true];
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`;

/** `TensorProto.DataType` values. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
export const ONNX_DOUBLE = 11;

const ModelProto = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');

/** A dimension: a number is fixed, a string is symbolic (variable, -1 in an MLflow tensor spec). */
type Dim = number | string;

interface Node {
  op_type: string;
  input: string[];
  output: string[];
}

interface Initializer {
  name: string;
  dims: number[];
  values: number[];
  elemType?: number;
}

/** Encodes a one-graph ModelProto (IR version 8, ONNX opset 13). */
export function onnxModel(graph: {
  inputs: { name: string; dims: Dim[]; elemType?: number }[];
  outputs: { name: string; dims: Dim[]; elemType?: number }[];
  nodes: Node[];
  initializers: Initializer[];
}): Uint8Array {
  const valueInfo = ({
    name,
    dims,
    elemType = ONNX_FLOAT,
  }: {
    name: string;
    dims: Dim[];
    elemType?: number;
  }) => ({
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  });
  const tensor = ({ name, dims, values, elemType = ONNX_FLOAT }: Initializer) => ({
    name,
    dims,
    data_type: elemType,
    ...(elemType === ONNX_DOUBLE
      ? { double_data: values }
      : elemType === ONNX_INT64
        ? { int64_data: values }
        : { float_data: values }),
  });
  const message = ModelProto.fromObject({
    ir_version: 8,
    producer_name: 'ferry-test',
    producer_version: '1',
    opset_import: [{ domain: '', version: 13 }],
    graph: {
      name: 'graph',
      node: graph.nodes.map((node, i) => ({ ...node, name: `${node.op_type.toLowerCase()}_${i}` })),
      initializer: graph.initializers.map(tensor),
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
    },
  });
  return ModelProto.encode(message).finish();
}

/** The default weights: y = x1 + 2·x2 + 3·x3 + 4·x4 + 0.5 (exact in float32). */
export const LINEAR_WEIGHTS = [[1], [2], [3], [4]];
export const LINEAR_BIAS = [0.5];

/**
 * y = x·W + b (MatMul + Add): input `x` float [batch, n], output `y` float [batch, k] for a W of n rows
 * and k columns. `linear(x)` computes the expected result in plain JS.
 */
export function linearOnnxModel(
  options: { weights?: number[][]; bias?: number[]; input?: string; output?: string } = {},
): Uint8Array {
  const { weights = LINEAR_WEIGHTS, bias = LINEAR_BIAS, input = 'x', output = 'y' } = options;
  const n = weights.length;
  const k = weights[0]!.length;
  return onnxModel({
    inputs: [{ name: input, dims: ['batch', n] }],
    outputs: [{ name: output, dims: ['batch', k] }],
    nodes: [
      { op_type: 'MatMul', input: [input, 'W'], output: ['xw'] },
      { op_type: 'Add', input: ['xw', 'b'], output: [output] },
    ],
    initializers: [
      { name: 'W', dims: [n, k], values: weights.flat() },
      { name: 'b', dims: [k], values: bias },
    ],
  });
}

/** The linear model's output for rows of x, in float32 arithmetic's exact cases (small whole numbers). */
export function linear(rows: number[][], weights = LINEAR_WEIGHTS, bias = LINEAR_BIAS): number[][] {
  return rows.map((row) =>
    bias.map((b, j) => row.reduce((sum, x, i) => sum + Math.fround(x) * weights[i]![j]!, b)).map(Math.fround),
  );
}

/**
 * Two named 1-D inputs: y = wa·a + wb·b + c with inputs `a`, `b` float [batch] and output `y` float
 * [batch] (the shape MLflow feeds a multi-input graph from data frame columns).
 */
export function twoInputOnnxModel(options: { wa?: number; wb?: number; c?: number } = {}): Uint8Array {
  const { wa = 2, wb = 3, c = 1 } = options;
  return onnxModel({
    inputs: [
      { name: 'a', dims: ['batch'] },
      { name: 'b', dims: ['batch'] },
    ],
    outputs: [{ name: 'y', dims: ['batch'] }],
    nodes: [
      { op_type: 'Mul', input: ['a', 'wa'], output: ['ta'] },
      { op_type: 'Mul', input: ['b', 'wb'], output: ['tb'] },
      { op_type: 'Add', input: ['ta', 'tb'], output: ['sum'] },
      { op_type: 'Add', input: ['sum', 'c'], output: ['y'] },
    ],
    initializers: [
      { name: 'wa', dims: [], values: [wa] },
      { name: 'wb', dims: [], values: [wb] },
      { name: 'c', dims: [], values: [c] },
    ],
  });
}
