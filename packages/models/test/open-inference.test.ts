import { describe, expect, it } from 'vitest';
import { dataFrame, inferenceResponse, parseInferenceRequest, tensor, tensors } from '../src/index.js';

describe('Open Inference Protocol v2', () => {
  it('reads named tensors from flat or nested data', () => {
    const { input, params, id } = parseInferenceRequest({
      id: 'r1',
      parameters: { temperature: 0.5 },
      inputs: [
        { name: 'x', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] },
        { name: 'ids', shape: [2], datatype: 'INT64', data: [[7], [8]] },
        { name: 'text', shape: [1], datatype: 'BYTES', data: ['hi'] },
      ],
    });
    expect(id).toBe('r1');
    expect(params).toEqual({ temperature: 0.5 });
    expect(input).toMatchObject({
      kind: 'tensors',
      tensors: {
        x: { dtype: 'float32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
        ids: { dtype: 'int64', shape: [2], data: new BigInt64Array([7n, 8n]) },
        text: { dtype: 'str', shape: [1], data: ['hi'] },
      },
    });
  });

  it('reads columns when content_type is pd', () => {
    const { input, params } = parseInferenceRequest({
      parameters: { content_type: 'pd' },
      inputs: [
        { name: 'a', shape: [2], datatype: 'FP64', data: [1, 2] },
        { name: 'b', shape: [2], datatype: 'FP64', data: [3, 4] },
      ],
    });
    expect(params).toBeUndefined();
    expect(input).toMatchObject({
      kind: 'dataframe',
      columns: ['a', 'b'],
      data: [
        [1, 2],
        [3, 4],
      ],
    });
  });

  it('refuses malformed requests as BAD_REQUEST', () => {
    expect(() => parseInferenceRequest({ inputs: [] })).toThrow('non-empty "inputs" list');
    expect(() =>
      parseInferenceRequest({ inputs: [{ name: 'x', shape: [1], datatype: 'FP16', data: [1] }] }),
    ).toThrow("Unsupported datatype 'FP16' for input 'x'");
    expect(() =>
      parseInferenceRequest({ inputs: [{ name: 'x', shape: [3], datatype: 'FP32', data: [1, 2] }] }),
    ).toThrow("Input 'x' of shape (3,): cannot reshape array of size 2 into shape (3,)");
  });

  it('answers with outputs for tensors, data frame columns and lists', () => {
    expect(
      inferenceResponse(tensors({ y: tensor('float32', [1, 1], [0.5]) }), {
        name: 'm',
        version: '2',
        id: 'r1',
      }),
    ).toEqual({
      model_name: 'm',
      model_version: '2',
      id: 'r1',
      outputs: [{ name: 'y', shape: [1, 1], datatype: 'FP32', data: [0.5] }],
    });
    expect(
      inferenceResponse(dataFrame({ y: new Float32Array([1, 2]), label: ['a', 'b'] }), { name: 'm' }).outputs,
    ).toEqual([
      { name: 'y', shape: [2], datatype: 'FP32', data: [1, 2] },
      { name: 'label', shape: [2], datatype: 'BYTES', data: ['a', 'b'] },
    ]);
    expect(inferenceResponse([0, 1], { name: 'm' }).outputs).toEqual([
      { name: 'predictions', shape: [2], datatype: 'INT64', data: [0, 1] },
    ]);
  });
});
