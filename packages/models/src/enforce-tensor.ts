import { invalidParam } from '@ferry/core';
import type { Column, DataFrame } from './data-frame.js';
import { cellValue, columnDType, getColumn, rowCount } from './data-frame.js';
import type { ModelInput } from './model-input.js';
import { pyInputClass } from './model-input.js';
import { pyShape, pyStr } from './py-repr.js';
import type { Schema, TensorSpec } from './schema.js';
import type { Tensor, TensorDType, TensorMap } from './tensor.js';
import { convertValues, isFloatDType, isTensorDType, itemSize, tensor } from './tensor.js';

/**
 * Enforces a tensor-based schema as MLflow's `_enforce_tensor_schema` does: named specs take named
 * tensors or data frame columns (reshaped to the spec), an unnamed spec takes one tensor or a data
 * frame. Returns a TensorMap (named) or a Tensor (unnamed). INVALID_PARAMETER_VALUE with MLflow's
 * messages.
 */
export function enforceTensorSchema(
  input: ModelInput,
  schema: Extract<Schema, { kind: 'tensors' }>,
): Tensor | TensorMap {
  const specs = schema.tensors;
  if (specs[0]?.name !== undefined) {
    const out: Record<string, Tensor> = {};
    for (const spec of specs) {
      const name = spec.name!;
      if (input.kind === 'tensors') {
        const value = input.tensors[name];
        if (value !== undefined) out[name] = enforceTensorSpec(value, spec);
      } else if (input.kind === 'dataframe') {
        const column = getColumn(input, name);
        if (column !== undefined) out[name] = columnToTensor(name, column, spec);
      } else {
        throw invalidParam(
          'This model contains a tensor-based model signature with input names, which suggests a ' +
            'dictionary input mapping input name to tensor, or a pandas DataFrame input containing ' +
            'columns mapping input name to flattened list value from tensor, but an input of type ' +
            `${pyInputClass(input)} was found.`,
        );
      }
    }
    return { kind: 'tensors', tensors: out };
  }
  const spec = specs[0]!;
  if (input.kind === 'tensor') return enforceTensorSpec(input, spec);
  if (input.kind === 'dataframe') return dataFrameToTensor(input, spec);
  throw invalidParam(
    'This model contains a tensor-based model signature with no input names, which suggests a numpy ' +
      'array input or a pandas dataframe input with proper column values, but an input of type ' +
      `${pyInputClass(input)} was found.`,
  );
}

/**
 * Checks a tensor's shape (-1 matches any size) and dtype against a spec (MLflow's
 * `_enforce_tensor_spec`). Unlike MLflow, a dtype that converts without loss of kind — an integer to
 * a float, a narrower number to a wider one of its kind — is cast instead of refused.
 */
export function enforceTensorSpec(value: Tensor, spec: TensorSpec): Tensor {
  const expected = spec.shape;
  const actual = value.shape;
  // Ragged arrays: an object tensor passes a (-1,) object spec, or any spec with inner -1 dimensions.
  if (expected.length === 1 && expected[0] === -1 && spec.dtype === 'object') return value;
  if (
    expected.length > 1 &&
    expected.slice(1).includes(-1) &&
    actual.length === 1 &&
    value.dtype === 'object'
  ) {
    return value;
  }
  if (expected.length !== actual.length || expected.some((d, i) => d !== -1 && d !== actual[i])) {
    throw invalidParam(
      `Shape of input ${pyShape(actual)} does not match expected shape ${pyShape(expected)}.`,
    );
  }
  if (value.dtype === spec.dtype) return value;
  if (isTensorDType(spec.dtype) && canCast(value.dtype, spec.dtype)) {
    return { ...value, dtype: spec.dtype, data: convertValues(value.data, spec.dtype) };
  }
  throw invalidParam(`dtype of input ${value.dtype} does not match expected dtype ${spec.dtype}`);
}

/** Casts that keep every value: bool or integer to a float, narrower to wider within a kind. */
export function canCast(from: TensorDType, to: TensorDType): boolean {
  if (from === to) return true;
  const kind = (d: TensorDType): string => (d === 'bool' ? 'b' : isFloatDType(d) ? 'f' : d[0]!);
  const [fk, tk] = [kind(from), kind(to)];
  if (tk === 'f')
    return fk === 'b' || fk === 'i' || fk === 'u' || (fk === 'f' && itemSize(from) <= itemSize(to));
  if (tk === 'i')
    return (
      fk === 'b' ||
      (fk === 'i' && itemSize(from) <= itemSize(to)) ||
      (fk === 'u' && itemSize(from) < itemSize(to))
    );
  if (tk === 'u') return fk === 'b' || (fk === 'u' && itemSize(from) <= itemSize(to));
  return false;
}

/** An unnamed spec fed from a data frame: one column reshaped, or all columns stacked as rows. */
function dataFrameToTensor(df: DataFrame, spec: TensorSpec): Tensor {
  if (rowCount(df) === 0 || df.columns.length === 0) throw invalidParam('Input DataFrame is empty.');
  if (df.columns.length === 1) return columnToTensor(undefined, df.data[0]!, spec);
  const width = df.columns.length;
  if (spec.shape.length !== 2 || spec.shape[0] !== -1 || spec.shape[1] !== width) {
    throw invalidParam(
      'This model contains a model signature with an unnamed input. Since the input data is a pandas ' +
        'DataFrame containing multiple columns, the input shape must be of the structure ' +
        `(-1, number_of_dataframe_columns). Instead, the input DataFrame passed had ${width} columns and an ` +
        `input shape of ${pyShape(spec.shape)} with all values within the DataFrame of scalar type. Please ` +
        'adjust the passed in DataFrame to match the expected structure',
    );
  }
  const rows = rowCount(df);
  const flat = new Array<unknown>(rows * width);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < width; c++) flat[r * width + c] = cellValue(df.data[c]!, r);
  // Typed columns keep their dtype (the spec check then applies); untyped ones take the spec's.
  const dtypes = new Set(df.data.map(columnDType));
  const typed = df.data.every((c) => !Array.isArray(c)) && dtypes.size === 1;
  const dtype = typed ? ([...dtypes][0] as TensorDType) : specDType(spec);
  return enforceTensorSpec(tensor(dtype, [rows, width], flat), spec);
}

/** MLflow's `_reshape_and_cast_pandas_column_values`: scalars or lists per row, cast to the spec. */
function columnToTensor(name: string | undefined, column: Column, spec: TensorSpec): Tensor {
  const shape = spec.shape;
  if (shape[0] !== -1 || shape.slice(1).includes(-1)) {
    throw invalidParam(
      'For pandas dataframe input, the first dimension of shape must be a variable dimension and other ' +
        'dimensions must be fixed, but in model signature the shape of ' +
        `${name ? `input ${name}` : 'the unnamed input'} is ${pyShape(shape)}.`,
    );
  }
  const rows = column.length;
  const first = cellValue(column, 0);
  const dtype = specDType(spec);
  if (!Array.isArray(first)) {
    if ((shape.length === 1 || (shape.length === 2 && shape[1] === 1)) && !isNested(column)) {
      return enforceTensorSpec(tensor(dtype, shape.length === 1 ? [rows] : [rows, 1], column), spec);
    }
    throw invalidParam(
      `The input pandas dataframe column ${pyStr(name ?? 'None')} contains scalar values, which requires the ` +
        `shape to be (-1,) or (-1, 1), but got tensor spec shape of ${pyShape(shape)}.`,
    );
  }
  const flat: unknown[] = [];
  const ok = Array.from({ length: rows }, (_, r) => cellValue(column, r)).every((cell) => {
    if (!Array.isArray(cell) || cell.some(Array.isArray)) return false;
    flat.push(...cell);
    return cell.length === (cellValue(column, 0) as unknown[]).length;
  });
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  if (!ok || flat.length !== rows * inner) {
    throw invalidParam(
      `The value in the Input DataFrame column ${pyStr(name ?? 'None')} could not be converted to the expected ` +
        `shape of: '${pyShape(shape)}'. Ensure that each of the input list elements are of uniform length ` +
        `and that the data can be coerced to the tensor type '${spec.dtype}'`,
    );
  }
  return tensor(dtype, [rows, ...shape.slice(1)], flat);
}

const isNested = (column: Column): boolean => Array.isArray(column) && column.some(Array.isArray);

function specDType(spec: TensorSpec): TensorDType {
  if (isTensorDType(spec.dtype)) return spec.dtype;
  throw invalidParam(`Tensor dtype ${pyStr(spec.dtype)} is not supported by Ferry's scoring`);
}
