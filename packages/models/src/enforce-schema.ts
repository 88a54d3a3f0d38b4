import { invalidParam } from '@ferry/core';
import type { Column, DataFrame } from './data-frame.js';
import { getColumn, makeDataFrame } from './data-frame.js';
import { enforceColumn } from './enforce-column.js';
import { enforceTensorSchema } from './enforce-tensor.js';
import { enforceValue } from './enforce-value.js';
import type { ModelInput } from './model-input.js';
import { pyList, pyShape } from './py-repr.js';
import type { ColSpec, Schema } from './schema.js';
import { hasInputNames, isDataType, schemaSpecs } from './schema.js';
import type { Tensor } from './tensor.js';
import { tensorToNested, tensorValues } from './tensor.js';

/**
 * Makes an input fit a model's input schema, as MLflow's `_enforce_schema` does before every pyfunc
 * prediction:
 * - named schemas: a required input that is missing fails (`Model is missing inputs ['b'].`); inputs
 *   the schema does not name are dropped;
 * - unnamed column schemas: columns are matched by position and must be at least as many;
 * - column schemas: tensors are first turned into a data frame; each column is converted to its type
 *   (see `enforceColumn`, `enforceValue`); the result is a data frame in schema order;
 * - tensor schemas: see `enforceTensorSchema`; the result is a Tensor or a TensorMap.
 *
 * Throws INVALID_PARAMETER_VALUE with MLflow's message (without the `Failed to enforce schema of
 * data …` prefix, which `LoadedModel.predict` adds as pyfunc does).
 */
export function enforceSchema(input: ModelInput, schema: Schema): ModelInput {
  let data: ModelInput = schema.kind === 'columns' ? toDataFrame(input, schema.columns) : input;
  if (hasInputNames(schema)) {
    const specs = schemaSpecs(schema);
    const required = specs.filter((s) => !('required' in s) || s.required).map((s) => s.name!);
    const optional = new Set(specs.filter((s) => 'required' in s && !s.required).map((s) => s.name!));
    if (data.kind === 'tensor' && required.length === 1) {
      data = { kind: 'tensors', tensors: { [required[0]!]: data } };
    }
    const actual =
      data.kind === 'dataframe' ? data.columns : data.kind === 'tensors' ? Object.keys(data.tensors) : [];
    const missing = required.filter((name) => !actual.includes(name));
    if (missing.length > 0) {
      const extra = actual.filter((name) => !required.includes(name) && !optional.has(name));
      throw invalidParam(
        `Model is missing inputs ${pyList(missing)}.` +
          (extra.length > 0 ? ` Note that there were extra inputs: ${pyList(extra)}.` : ''),
      );
    }
  } else if (
    schema.kind === 'columns' &&
    data.kind === 'dataframe' &&
    data.columns.length < schema.columns.length
  ) {
    throw invalidParam(
      'Model inference is missing inputs. The model signature declares ' +
        `${schema.columns.length} inputs  but the provided value only has ${data.columns.length} inputs. ` +
        'Note: the inputs were not named in the signature so we can only verify their count.',
    );
  }
  if (schema.kind === 'tensors') return enforceTensorSchema(data, schema);
  return enforceColumns(data as DataFrame, schema.columns);
}

function enforceColumns(df: DataFrame, specs: readonly ColSpec[]): DataFrame {
  const names: string[] = [];
  const data: Column[] = [];
  specs.forEach((spec, position) => {
    const name = spec.name ?? df.columns[position]!;
    const column = spec.name === undefined ? df.data[position] : getColumn(df, spec.name);
    // Only optional columns can be absent here: missing required ones failed above.
    if (column === undefined) return;
    names.push(name);
    data.push(
      isDataType(spec.type)
        ? enforceColumn(name, column, spec.type)
        : Array.from(column as ArrayLike<unknown>, (cell) => enforceValue(cell, spec.type, spec.required)),
    );
  });
  return makeDataFrame(names, data);
}

/**
 * The data frame pandas would build from a pyfunc input for a column-based model: an ndarray's
 * columns (1-D: one column), a dict of arrays as columns, or — when every value is a scalar, or the
 * schema has array/object columns — a dict as one row.
 */
function toDataFrame(input: ModelInput, specs: readonly ColSpec[]): DataFrame {
  if (input.kind === 'dataframe') return input;
  if (input.kind === 'tensor') return tensorToDataFrame(input);
  const entries = Object.entries(input.tensors);
  const oneRow =
    specs.some((s) => !isDataType(s.type) && (s.type.type === 'array' || s.type.type === 'object')) ||
    entries.every(([, t]) => t.shape.length === 0);
  if (oneRow)
    return makeDataFrame(
      entries.map(([name]) => name),
      entries.map(([, t]) => [tensorToNested(t)]),
    );
  return makeDataFrame(
    entries.map(([name]) => name),
    entries.map(([, t]) => tensorColumn(t)),
  );
}

function tensorToDataFrame(t: Tensor): DataFrame {
  if (t.shape.length === 0) return makeDataFrame(['0'], [[tensorValues(t)[0]]]);
  if (t.shape.length === 1) return makeDataFrame(['0'], [tensorColumn(t)]);
  if (t.shape.length > 2) throw invalidParam(`Must pass 2-d input. shape=${pyShape(t.shape)}`);
  const [rows, width] = t.shape as [number, number];
  const values = tensorValues(t);
  return makeDataFrame(
    Array.from({ length: width }, (_, c) => String(c)),
    Array.from({ length: width }, (_, c) => Array.from({ length: rows }, (_, r) => values[r * width + c])),
  );
}

/** A tensor as one column: its rows (scalars for 1-D, nested lists beyond), typed when it can be. */
function tensorColumn(t: Tensor): Column {
  if (t.shape.length === 1) {
    return t.dtype === 'bool' || t.dtype === 'str' || t.dtype === 'object' ? tensorValues(t) : t.data;
  }
  const nested = tensorToNested(t);
  return Array.isArray(nested) ? nested : [nested];
}
