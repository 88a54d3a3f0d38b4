import { describe, expect, it } from 'vitest';
import type { DataFrame, TensorMap } from '../src/index.js';
import {
  columnSchema,
  dataFrame,
  dataFrameRecords,
  parseScoringRequest,
  predictionsResponse,
  REQUIRED_INPUT_FORMAT,
  SCORING_PROTOCOL_CHANGE_INFO,
  tensor,
  tensorSchema,
  tensorToNested,
  tensors,
  toJsonable,
} from '../src/index.js';

const ab = columnSchema([
  { name: 'a', type: 'double', required: true },
  { name: 'b', type: 'double', required: true },
]);
const records = (input: unknown) => dataFrameRecords(input as DataFrame);

describe('parseScoringRequest', () => {
  it('reads the four formats of the recorded MLflow exchanges into the same rows', () => {
    const bodies = [
      '{"dataframe_split": {"columns": ["a","b"], "data": [[0.0,1.0],[3.0,0.0]]}}',
      '{"dataframe_records": [{"a": 0.0, "b": 1.0}, {"a": 3.0, "b": 0.0}]}',
      '{"instances": [{"a": 0.0, "b": 1.0}, {"a": 3.0, "b": 0.0}]}',
      '{"inputs": {"a": [0.0, 3.0], "b": [1.0, 0.0]}}',
    ];
    for (const body of bodies) {
      expect(records(parseScoringRequest(body, ab).input)).toEqual([
        { a: 0, b: 1 },
        { a: 3, b: 0 },
      ]);
    }
  });

  it('passes params through and reads a dict of scalars as one row', () => {
    const request = parseScoringRequest({ inputs: { a: 0.5, b: 1 }, params: { x: 1 } }, ab);
    expect(request.params).toEqual({ x: 1 });
    expect(records(request.input)).toEqual([{ a: 0.5, b: 1 }]);
  });

  it('gives tensors for tensor schemas and without a schema', () => {
    const named = tensorSchema([{ name: 'x', dtype: 'float32', shape: [-1, 2] }]);
    const byName = parseScoringRequest({ inputs: { x: [[1, 2]] } }, named).input as TensorMap;
    expect(byName.tensors['x']).toMatchObject({ dtype: 'float32', shape: [1, 2] });
    const single = parseScoringRequest({ instances: [[1, 2]] }, named).input as TensorMap;
    expect(single.tensors['x']).toMatchObject({ dtype: 'float32', shape: [1, 2] });
    const unnamed = parseScoringRequest(
      { inputs: [[1, 2]] },
      tensorSchema([{ dtype: 'float64', shape: [-1, 2] }]),
    );
    expect(unnamed.input).toMatchObject({ kind: 'tensor', dtype: 'float64', shape: [1, 2] });
    expect(parseScoringRequest({ inputs: [[1, 2.5]] }).input).toMatchObject({
      dtype: 'float64',
      shape: [1, 2],
    });
    expect(parseScoringRequest({ inputs: { w: ['a', 'b'] } }).input).toMatchObject({
      kind: 'tensors',
      tensors: { w: { dtype: 'str', shape: [2] } },
    });
  });

  it('decodes base64 binary columns of the schema', () => {
    const schema = columnSchema([{ name: 'blob', type: 'binary', required: true }]);
    const input = parseScoringRequest(
      { dataframe_split: { columns: ['blob'], data: [['aGk=']] } },
      schema,
    ).input;
    expect((input as DataFrame).data[0]).toEqual([new Uint8Array([104, 105])]);
  });

  it('refuses bodies MLflow refuses, with its messages', () => {
    const cases: [unknown, string][] = [
      [
        '{"inputs": {"a": [0.0]}, "instances": [1]}',
        `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: ['inputs', 'instances']. ${SCORING_PROTOCOL_CHANGE_INFO}`,
      ],
      ['[1,2]', `Invalid input. ${REQUIRED_INPUT_FORMAT}. Received a list.`],
      [
        '{}',
        `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: []. ${SCORING_PROTOCOL_CHANGE_INFO}`,
      ],
      ['3', `Invalid input. ${REQUIRED_INPUT_FORMAT}. Received unexpected input type '<class 'int'>.`],
      ['{"dataframe_split": [1]}', 'Invalid input. Dataframe split format must be a dictionary. Got list.'],
      [
        '{"dataframe_split": {"columns": ["a"], "rows": []}}',
        "Invalid input. Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got {'columns', 'rows'}.'",
      ],
      [
        '{"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 2]]}}',
        "Invalid input. Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: '3 columns passed, passed data had 2 columns'",
      ],
      [
        '{"dataframe_records": {"a": 1}}',
        'Invalid input. Dataframe records format must be a list of records. Got dictionary.',
      ],
      [
        '{"instances": [{"a": 1, "b": 2}, {"a": 1}]}',
        'Invalid input. The length of values for each input/column name are not the same',
      ],
    ];
    for (const [body, message] of cases) {
      let error: unknown;
      try {
        parseScoringRequest(body, ab);
      } catch (err) {
        error = err;
      }
      expect(error, String(body)).toMatchObject({ code: 'BAD_REQUEST', message });
    }
    expect(() =>
      parseScoringRequest('{"inputs": {"a": 1}}', tensorSchema([{ dtype: 'float32', shape: [-1] }])),
    ).toThrow(
      "Invalid input. Failed to parse input data. This model contains an un-named  model signature which expects a single n-dimensional array or a single value as input, however, an input of type <class 'dict'> was found.",
    );
    expect(() => parseScoringRequest('{"inputs": ')).toThrow(
      'Invalid input. Ensure that input is a valid JSON formatted string.',
    );
  });
});

describe('predictions', () => {
  it('writes responses byte for byte as MLflow does', () => {
    expect(predictionsResponse([0, 1])).toBe('{"predictions": [0, 1]}');
    expect(predictionsResponse(dataFrame({ y: new Float32Array([1, 0.5]), label: ['a', 'b'] }))).toBe(
      '{"predictions": [{"y": 1.0, "label": "a"}, {"y": 0.5, "label": "b"}]}',
    );
    expect(predictionsResponse(tensor('int64', [2], [1, 2]))).toBe('{"predictions": [1, 2]}');
    expect(predictionsResponse(tensors({ p: tensor('float64', [1, 2], [0, 1]) }))).toBe(
      '{"predictions": {"p": [[0.0, 1.0]]}}',
    );
    expect(predictionsResponse({ text: 'é' })).toBe('{"predictions": {"text": "\\u00e9"}}');
  });

  it('gives plain JSON values', () => {
    expect(toJsonable(dataFrame({ y: new BigInt64Array([3n]) }))).toEqual([{ y: 3 }]);
    expect(toJsonable(tensor('bool', [2], [true, false]))).toEqual([true, false]);
    expect(tensorToNested(tensor('str', [1, 1], ['a']))).toEqual([['a']]);
  });
});
