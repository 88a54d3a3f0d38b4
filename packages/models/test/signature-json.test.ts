import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  paramsToJson,
  parseParamsJson,
  parseSchemaJson,
  PyFloat,
  pythonJson,
  readSignature,
  schemaRepr,
  schemaToJson,
  signatureToConfig,
} from '../src/index.js';

/** Strings printed by MLflow's own serialisers (see fixtures/generate-mlflow-fixtures.py). */
const MLFLOW = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'signature-json.json'), 'utf8'),
) as Record<string, string>;

/** Strings from real MLmodel files (the API notes, §10). */
const OBSERVED_INPUTS =
  '[{"type": "double", "name": "a", "required": true}, {"type": "double", "name": "b", "required": true}]';
const OBSERVED_OUTPUTS = '[{"type": "long", "required": true}]';
const UNNAMED_TENSOR = '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]';

describe('signature JSON', () => {
  it.each([
    ['observed column inputs', OBSERVED_INPUTS],
    ['observed unnamed output', OBSERVED_OUTPUTS],
    ['unnamed tensor', UNNAMED_TENSOR],
    ['named tensors', MLFLOW['tensor_named']!],
    ['array, object, map, any, datetime, binary, non-ASCII names', MLFLOW['complex']!],
  ])('round-trips %s byte for byte', (_, text) => {
    expect(schemaToJson(parseSchemaJson(text))).toBe(text);
  });

  it('round-trips a params schema with float, list and object defaults', () => {
    const params = parseParamsJson(MLFLOW['params']!);
    expect(params[2]).toEqual({ name: 'scale', type: 'float', default: 1, shape: null });
    expect(paramsToJson(params)).toBe(MLFLOW['params']);
  });

  it('reads the parts of a signature and writes them back as MLflow stores them', () => {
    const signature = readSignature({
      signature: { inputs: OBSERVED_INPUTS, outputs: OBSERVED_OUTPUTS, params: null },
    });
    expect(signature).toEqual({
      inputs: {
        kind: 'columns',
        columns: [
          { name: 'a', type: 'double', required: true },
          { name: 'b', type: 'double', required: true },
        ],
      },
      outputs: { kind: 'columns', columns: [{ type: 'long', required: true }] },
    });
    expect(signatureToConfig(signature!)).toEqual({
      inputs: OBSERVED_INPUTS,
      outputs: OBSERVED_OUTPUTS,
      params: null,
    });
    expect(readSignature({})).toBeUndefined();
  });

  it('sorts object properties by name, as MLflow does', () => {
    const schema = parseSchemaJson(
      '[{"type": "object", "properties": {"z": {"type": "long"}, "a": {"type": "string", "required": false}}, "name": "o"}]',
    );
    expect(schemaToJson(schema)).toBe(
      '[{"type": "object", "properties": {"a": {"type": "string", "required": false}, "z": {"type": "long", "required": true}}, "name": "o", "required": true}]',
    );
  });

  it('prints schemas as MLflow does in its errors', () => {
    expect(schemaRepr(parseSchemaJson(OBSERVED_INPUTS))).toBe(
      "['a': double (required), 'b': double (required)]",
    );
    expect(schemaRepr(parseSchemaJson(MLFLOW['tensor_named']!))).toBe(
      "['x': Tensor('float32', (-1, 4)), 'mask': Tensor('bool', (-1,))]",
    );
    expect(schemaRepr(parseSchemaJson(MLFLOW['complex']!))).toBe(
      "['tags': Array(string) (required), 'obj': {a: long (required), b: Array(double) (optional)} (required), " +
        "'weights': Map(str -> double) (optional), 'extra': Any (optional), 'when': datetime (required), " +
        "'blob': binary (required), 'café \"q\"': string (required)]",
    );
  });

  it.each([
    ['[{"name": "a"}]', 'Missing keys in ColSpec JSON. Expected to find key `type`'],
    [
      '[{"type": "decimal", "name": "a"}]',
      "Unsupported type 'decimal', expected instance of DataType or one of ['boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', 'datetime']",
    ],
    ['[]', 'Creating Schema with empty inputs is not allowed.'],
    [
      '[{"type": "long", "name": "a"}, {"type": "long"}]',
      "Creating Schema with a combination of named and unnamed inputs is not allowed. Got input names ['a', None]",
    ],
    [
      '[{"type": "long"}, {"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]',
      'Creating Schema with a combination of ColSpec and TensorSpec is not supported. Please choose one of ColSpec or TensorSpec',
    ],
    [
      '[{"type": "tensor", "tensor-spec": {"dtype": "int64"}}]',
      'Missing keys in TensorSpec JSON. Expected to find keys `dtype` and `shape`',
    ],
    ['{"type": "long"}', 'Invalid schema JSON: expected a list of objects, got {"type": "long"}'],
  ])('refuses %s', (text, message) => {
    expect(() => parseSchemaJson(text)).toThrow(message);
  });

  it('refuses duplicated params', () => {
    expect(() =>
      parseParamsJson(
        '[{"name": "k", "type": "long", "default": 1}, {"name": "k", "type": "long", "default": 2}]',
      ),
    ).toThrow("Duplicated parameters found in schema: ['k']");
  });
});

describe('pythonJson', () => {
  it('prints floats as Python repr does', () => {
    const floats = [1, 0.1, 1e-5, 1e16, 123456789.125, -0, 1.5e300].map((x) => new PyFloat(x));
    expect(pythonJson([...floats, 2 ** 53])).toBe(MLFLOW['floats']);
    expect(pythonJson([NaN, Infinity, new Float32Array([0.5, 2])])).toBe('[NaN, Infinity, [0.5, 2.0]]');
  });

  it('escapes like ensure_ascii and indents like json.dumps(indent=2)', () => {
    expect(pythonJson({ 'é\u{1F600}': '\n\u007f"' })).toBe('{"\\u00e9\\ud83d\\ude00": "\\n\\u007f\\""}');
    expect(pythonJson({ a: [1, []], b: {} }, { indent: 2 })).toBe(
      '{\n  "a": [\n    1,\n    []\n  ],\n  "b": {}\n}',
    );
  });
});
