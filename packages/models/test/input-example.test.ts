import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  columnSchema,
  dataFrame,
  dataFrameRecords,
  inferParams,
  inferSchema,
  inferSignature,
  readInputExample,
  saveInputExample,
  tensor,
  tensors,
} from '../src/index.js';
import type { DataFrame } from '../src/index.js';
import { fixtureFiles } from './helpers/fixtures.js';

describe('input examples', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-example-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const read = (name: string) => readFile(join(dir, name), 'utf8');

  it('writes a data frame as MLflow 3.11 does (orient split, floats where the schema has doubles)', async () => {
    const schema = columnSchema([
      { name: 'a', type: 'double', required: true },
      { name: 'b', type: 'double', required: true },
    ]);
    const info = await saveInputExample(dir, dataFrame({ a: [0, 1], b: [1, 0] }), { schema });
    expect(info).toEqual({
      artifact_path: 'input_example.json',
      type: 'dataframe',
      pandas_orient: 'split',
      serving_input_path: 'serving_input_example.json',
    });
    // The example files MLflow wrote for the sklearn model of the fixtures, byte for byte.
    const fixture = await fixtureFiles('mlflow-3.11-sklearn');
    expect(await read('input_example.json')).toBe(fixture['input_example.json']);
    expect(await read('serving_input_example.json')).toBe(fixture['serving_input_example.json']);
    const back = await readInputExample(dir, { saved_input_example_info: info });
    expect(dataFrameRecords(back!.input as DataFrame)).toEqual([
      { a: 0, b: 1 },
      { a: 1, b: 0 },
    ]);
  });

  it('writes missing values as null, bytes as base64 lines and datetimes in ISO form', async () => {
    const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
    await saveInputExample(
      dir,
      dataFrame({ x: [1.5, NaN], b: [new Uint8Array([104, 105]), null], t: [when, when] }),
    );
    expect(await read('input_example.json')).toBe(
      '{"columns": ["x", "b", "t"], "data": [[1.5, "aGk=\\n", "2024-01-02T03:04:05"], [null, null, "2024-01-02T03:04:05"]]}',
    );
  });

  it('writes tensors and params as MLflow does', async () => {
    const info = await saveInputExample(dir, tensors({ x: tensor('float32', [1, 2], [1, 2]) }), {
      params: { k: 3 },
    });
    expect(info).toEqual({
      artifact_path: 'input_example.json',
      type: 'ndarray',
      params: 'true',
      serving_input_path: 'serving_input_example.json',
    });
    expect(await read('input_example.json')).toBe('{"inputs": {"x": [[1.0, 2.0]]}, "params": {"k": 3}}');
    expect(JSON.parse(await read('serving_input_example.json'))).toEqual({
      inputs: { x: [[1, 2]] },
      params: { k: 3 },
    });
    const back = await readInputExample(dir, { saved_input_example_info: info });
    expect(back).toMatchObject({
      input: { kind: 'tensors', tensors: { x: { shape: [1, 2] } } },
      params: { k: 3 },
    });
  });

  it('refuses example types MLflow does not define', async () => {
    await saveInputExample(dir, tensor('int64', [1], [1]));
    await expect(
      readInputExample(dir, {
        saved_input_example_info: { artifact_path: 'input_example.json', type: 'parquet' },
      }),
    ).rejects.toThrow('This version of Ferry can not load example of type parquet');
  });
});

describe('signature inference', () => {
  it('infers column types as MLflow does for a data frame', () => {
    const schema = inferSchema(
      dataFrame({
        i: [1, 2],
        d: [1, 2.5],
        missing: [1, null],
        f: new Float32Array([1, 2]),
        s: ['a', null],
        flag: [true, false],
        list: [['a'], ['b', 'c']],
        obj: [{ k: 1 }, { k: 2, extra: 'x' }],
      }),
    );
    expect(schema).toEqual({
      kind: 'columns',
      columns: [
        { name: 'i', type: 'long', required: true },
        { name: 'd', type: 'double', required: true },
        { name: 'missing', type: 'double', required: false },
        { name: 'f', type: 'float', required: true },
        { name: 's', type: 'string', required: false },
        { name: 'flag', type: 'boolean', required: true },
        { name: 'list', type: { type: 'array', items: 'string' }, required: true },
        {
          name: 'obj',
          type: {
            type: 'object',
            properties: [
              { name: 'extra', type: 'string', required: false },
              { name: 'k', type: 'long', required: true },
            ],
          },
          required: true,
        },
      ],
    });
  });

  it('infers tensor specs with a variable first dimension, and params', () => {
    expect(
      inferSignature(tensor('float32', [2, 3], [1, 2, 3, 4, 5, 6]), [0, 1], { k: 1, t: 0.5, s: ['a'] }),
    ).toEqual({
      inputs: { kind: 'tensors', tensors: [{ dtype: 'float32', shape: [-1, 3] }] },
      outputs: { kind: 'columns', columns: [{ type: 'long', required: true }] },
      params: [
        { name: 'k', type: 'long', default: 1, shape: null },
        { name: 't', type: 'double', default: 0.5, shape: null },
        { name: 's', type: 'string', default: ['a'], shape: [-1] },
      ],
    });
    expect(() => inferParams({ m: [[1]] })).toThrow(
      'Expected parameters to be 1D array or scalar, got 2D array',
    );
  });
});
