import { describe, expect, it } from 'vitest';
import type { ColSpec, DataFrame, Schema, TensorMap } from '../src/index.js';
import {
  columnSchema,
  dataFrame,
  describeInput,
  enforceParams,
  enforceSchema,
  tensor,
  tensorSchema,
  tensors,
} from '../src/index.js';

const double = (name: string, required = true): ColSpec => ({ name, type: 'double', required });
const abSchema = columnSchema([double('a'), double('b')]);

const enforce = (input: Parameters<typeof enforceSchema>[0], schema: Schema) => enforceSchema(input, schema);

describe('enforceSchema with column schemas', () => {
  it('names missing required inputs and extra ones as MLflow does', () => {
    expect(() => enforce(dataFrame({ a: [1] }), abSchema)).toThrow("Model is missing inputs ['b'].");
    expect(() => enforce(dataFrame({ a: [1], c: [1], d: [2] }), abSchema)).toThrow(
      "Model is missing inputs ['b']. Note that there were extra inputs: ['c', 'd'].",
    );
    const optional = columnSchema([double('a'), double('f3', false)]);
    expect(() => enforce(dataFrame({ f3: [1] }), optional)).toThrow("Model is missing inputs ['a'].");
  });

  it('drops extra and absent optional columns and orders by the schema', () => {
    const schema = columnSchema([double('b'), double('a'), double('opt', false)]);
    const out = enforce(dataFrame({ a: [1], extra: ['x'], b: [2] }), schema) as DataFrame;
    expect(out.columns).toEqual(['b', 'a']);
    expect(out.data).toEqual([new Float64Array([2]), new Float64Array([1])]);
  });

  it('widens untyped numbers to double and float, keeps whole numbers for long and integer', () => {
    const schema = columnSchema([
      double('d'),
      { name: 'f', type: 'float', required: true },
      { name: 'l', type: 'long', required: true },
      { name: 'i', type: 'integer', required: true },
    ]);
    const out = enforce(dataFrame({ d: [1, 2.5], f: [1, null], l: [3, 4], i: [5, 6] }), schema) as DataFrame;
    expect(out.data).toEqual([
      new Float64Array([1, 2.5]),
      new Float32Array([1, NaN]),
      [3, 4],
      new Int32Array([5, 6]),
    ]);
  });

  it('follows numpy rules for typed columns', () => {
    const schema = columnSchema([double('a')]);
    expect((enforce(dataFrame({ a: new Int32Array([1]) }), schema) as DataFrame).data[0]).toEqual(
      new Float64Array([1]),
    );
    expect((enforce(dataFrame({ a: new Float32Array([1]) }), schema) as DataFrame).data[0]).toEqual(
      new Float64Array([1]),
    );
    expect(() => enforce(dataFrame({ a: new BigInt64Array([2n]) }), schema)).toThrow(
      'Incompatible input types for column a. Can not safely convert int64 to float64.',
    );
    expect((enforce(dataFrame({ a: new BigInt64Array([0n, 1n]) }), schema) as DataFrame).data[0]).toEqual(
      new Float64Array([0, 1]),
    );
    const float = columnSchema([{ name: 'a', type: 'float', required: true }]);
    expect(() => enforce(dataFrame({ a: new Float64Array([1]) }), float)).toThrow(
      'Incompatible input types for column a. Can not safely convert float64 to float32.',
    );
  });

  it('refuses lossy conversions with MLflow’s messages and hint', () => {
    const long = columnSchema([{ name: 'n', type: 'long', required: true }]);
    expect(() => enforce(dataFrame({ n: [1.5] }), long)).toThrow(
      'Incompatible input types for column n. Can not safely convert float64 to int64.',
    );
    expect(() => enforce(dataFrame({ n: [1, null] }), long)).toThrow(
      'Can not safely convert float64 to int64. Hint: the type mismatch is likely caused by missing values.',
    );
    expect(() => enforce(dataFrame({ n: ['x'] }), columnSchema([double('n')]))).toThrow(
      'Incompatible input types for column n. Can not safely convert object to float64.',
    );
    expect(() =>
      enforce(dataFrame({ s: [1] }), columnSchema([{ name: 's', type: 'string', required: true }])),
    ).toThrow('Incompatible input types for column s. Can not safely convert int64 to <U0.');
    expect(() =>
      enforce(
        dataFrame({ t: ['not a date'] }),
        columnSchema([{ name: 't', type: 'datetime', required: true }]),
      ),
    ).toThrow('Failed to convert column t from type object to DataType.datetime.');
  });

  it('checks array, object and map columns value by value', () => {
    const schema = columnSchema([
      { name: 'tags', type: { type: 'array', items: 'string' }, required: true },
      {
        name: 'obj',
        type: { type: 'object', properties: [{ name: 'k', type: 'long', required: true }] },
        required: true,
      },
      { name: 'm', type: { type: 'map', values: 'double' }, required: true },
    ]);
    const ok = enforce(dataFrame({ tags: [['a']], obj: [{ k: 1 }], m: [{ x: 1 }] }), schema) as DataFrame;
    expect(ok.data).toEqual([[['a']], [{ k: 1 }], [{ x: 1 }]]);
    expect(() => enforce(dataFrame({ tags: ['a'], obj: [{ k: 1 }], m: [{}] }), schema)).toThrow(
      'Expected data to be list or numpy array, got str',
    );
    expect(() => enforce(dataFrame({ tags: [['a']], obj: [{}], m: [{}] }), schema)).toThrow(
      "Missing required properties: {'k'}",
    );
    expect(() => enforce(dataFrame({ tags: [['a']], obj: [{ k: 1, z: 2 }], m: [{}] }), schema)).toThrow(
      "Invalid properties not defined in the schema found: {'z'}",
    );
    expect(() => enforce(dataFrame({ tags: [['a']], obj: [{ k: 'x' }], m: [{}] }), schema)).toThrow(
      'Failed to enforce schema for key `k`. Expected type long, received type str',
    );
    expect(() => enforce(dataFrame({ tags: [['a']], obj: [{ k: 1 }], m: [[1]] }), schema)).toThrow(
      'Expected data to be a dict, got list',
    );
  });

  it('matches unnamed columns by position and checks their count', () => {
    const schema = columnSchema([
      { type: 'double', required: true },
      { type: 'double', required: true },
    ]);
    expect(() => enforce(dataFrame({ x: [1] }), schema)).toThrow(
      'Model inference is missing inputs. The model signature declares 2 inputs  but the provided value only has 1 inputs.',
    );
    const out = enforce(tensor('int64', [1, 2], [1, 2]), schema) as DataFrame;
    expect(out.columns).toEqual(['0', '1']);
  });

  it('turns tensors into a data frame for a column schema', () => {
    const out = enforce(
      tensors({ a: tensor('float64', [2], [1, 2]), b: tensor('float64', [2], [3, 4]) }),
      abSchema,
    );
    expect(out).toMatchObject({ kind: 'dataframe', columns: ['a', 'b'] });
    const oneRow = enforce(
      tensors({ a: tensor('float64', [], [1]), b: tensor('float64', [], [2]) }),
      abSchema,
    );
    expect((oneRow as DataFrame).data).toEqual([new Float64Array([1]), new Float64Array([2])]);
  });
});

describe('enforceSchema with tensor schemas', () => {
  const named = tensorSchema([{ name: 'x', dtype: 'float32', shape: [-1, 2] }]);
  const unnamed = tensorSchema([{ dtype: 'float32', shape: [-1, 2] }]);

  it('checks shape and dtype, casting integers to float32', () => {
    const out = enforce(tensors({ x: tensor('int32', [1, 2], [1, 2]) }), named) as TensorMap;
    expect(out.tensors['x']).toMatchObject({ dtype: 'float32', data: new Float32Array([1, 2]) });
    expect(() => enforce(tensors({ x: tensor('float32', [2], [1, 2]) }), named)).toThrow(
      'Shape of input (2,) does not match expected shape (-1, 2).',
    );
    expect(() => enforce(tensors({ x: tensor('str', [1, 2], ['a', 'b']) }), named)).toThrow(
      'dtype of input str does not match expected dtype float32',
    );
    expect(() => enforce(tensors({ x: tensor('float64', [1, 2], [1, 2]) }), named)).toThrow(
      'dtype of input float64 does not match expected dtype float32',
    );
    expect(() => enforce(tensors({ y: tensor('float32', [1, 2], [1, 2]) }), named)).toThrow(
      "Model is missing inputs ['x'].",
    );
  });

  it('reshapes data frame columns as MLflow does', () => {
    const fromLists = enforce(
      dataFrame({
        x: [
          [1, 2],
          [3, 4],
        ],
      }),
      named,
    ) as TensorMap;
    expect(fromLists.tensors['x']).toMatchObject({ shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) });
    const stacked = enforce(dataFrame({ p: [1, 3], q: [2, 4] }), unnamed);
    expect(stacked).toMatchObject({ kind: 'tensor', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) });
    expect(() => enforce(dataFrame({ x: [1] }), named)).toThrow(
      "The input pandas dataframe column 'x' contains scalar values, which requires the shape to be (-1,) or (-1, 1), but got tensor spec shape of (-1, 2).",
    );
    expect(() => enforce(dataFrame({ p: [1], q: [2], r: [3] }), unnamed)).toThrow(
      'the input DataFrame passed had 3 columns and an input shape of (-1, 2)',
    );
    expect(() => enforce(dataFrame({ p: [] }), unnamed)).toThrow('Input DataFrame is empty.');
  });

  it('names the input type MLflow expected', () => {
    expect(() => enforce(tensors({ x: tensor('float32', [1, 2], [1, 2]) }), unnamed)).toThrow(
      "but an input of type <class 'dict'> was found.",
    );
  });
});

describe('enforceParams', () => {
  const specs = [
    { name: 'temperature', type: 'double' as const, default: 0.5, shape: null },
    { name: 'stop', type: 'string' as const, default: ['x'], shape: [-1] },
  ];

  it('fills defaults, drops unknown params, widens ints to double', () => {
    expect(enforceParams({ temperature: 1, other: true }, specs)).toEqual({ temperature: 1, stop: ['x'] });
    expect(enforceParams(undefined, specs)).toEqual({ temperature: 0.5, stop: ['x'] });
    expect(enforceParams({ temperature: 1 }, undefined)).toEqual({});
  });

  it('reports every invalid param in MLflow’s format', () => {
    expect(() => enforceParams({ temperature: 'hot', stop: 'x' }, specs)).toThrow(
      "Invalid parameters found: {('temperature', \"Failed to validate type and shape for 'temperature': double (default: 0.5), " +
        "error: Can not safely convert `<class 'str'>` to `DataType.double` for value `hot`\"), ('stop', \"Value must be a 1D " +
        "array with shape (-1,) for param 'stop': string (default: ['x']) (shape: (-1,)), received str with ndim 0\")}",
    );
  });
});

describe('describeInput', () => {
  it('prints a data frame as pandas does', () => {
    expect(describeInput(dataFrame({ a: [0] }))).toBe('   a\n0  0');
    expect(describeInput(dataFrame({ a: new Float64Array([0]) }))).toBe('     a\n0  0.0');
    expect(describeInput(dataFrame({ a: [1, 2], b: [3, 4] }))).toBe('   a  b\n0  1  3\n1  2  4');
    expect(describeInput(dataFrame({ col1: [1, 2], col2: ['a', 'b'] }))).toBe(
      '   col1 col2\n0     1    a\n1     2    b',
    );
    expect(describeInput(dataFrame({ a: [0.5, 10.25] }))).toBe('       a\n0   0.50\n1  10.25');
    const long = describeInput(dataFrame({ a: Array.from({ length: 100 }, (_, i) => i) }));
    expect(long.split('\n').slice(-3)).toEqual(['99  99', '', '[100 rows x 1 columns]']);
  });
});
