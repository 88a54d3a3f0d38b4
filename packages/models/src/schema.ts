/**
 * MLflow's model signature types (mlflow/types/schema.py) as plain data. Serialisation to MLflow's
 * JSON strings lives in schema-json.ts; the Python-style `repr` used in error messages in
 * schema-repr.ts.
 */

/** MLflow's scalar column types (`DataType`). */
export const DATA_TYPES = [
  'boolean',
  'integer',
  'long',
  'float',
  'double',
  'string',
  'binary',
  'datetime',
] as const;
export type DataType = (typeof DATA_TYPES)[number];

export interface ArrayType {
  type: 'array';
  items: ColumnType;
}

/** A JSON object with named properties; properties are kept sorted by name, as MLflow does. */
export interface ObjectType {
  type: 'object';
  properties: Property[];
}

export interface Property {
  name: string;
  type: ColumnType;
  required: boolean;
}

/** A JSON object with string keys and values of one type. */
export interface MapType {
  type: 'map';
  values: ColumnType;
}

export interface AnyType {
  type: 'any';
}

/** Spark ML's vector column (an array of doubles); only read and written back. */
export interface SparkMLVectorType {
  type: 'sparkml_vector';
}

export type ColumnType = DataType | ArrayType | ObjectType | MapType | AnyType | SparkMLVectorType;

/** One column of a column-based schema; unnamed columns are matched by position. */
export interface ColSpec {
  name?: string;
  type: ColumnType;
  required: boolean;
}

/**
 * One tensor of a tensor-based schema: a numpy dtype name (`float32`, `int64`, `str`, `object`, …) and
 * a shape where -1 marks a variable dimension.
 */
export interface TensorSpec {
  name?: string;
  dtype: string;
  shape: number[];
}

/** A schema is all columns or all tensors, never a mix (MLflow refuses mixed schemas). */
export type Schema = { kind: 'columns'; columns: ColSpec[] } | { kind: 'tensors'; tensors: TensorSpec[] };

/** One inference parameter: scalar (`shape` null) or 1-D list (`shape` [-1]). */
export interface ParamSpec {
  name: string;
  type: Exclude<DataType, 'binary'> | ObjectType;
  default: unknown;
  shape: number[] | null;
}

/** A model's signature; at least one part is present. */
export interface Signature {
  inputs?: Schema;
  outputs?: Schema;
  params?: ParamSpec[];
}

export const columnSchema = (columns: ColSpec[]): Schema => ({ kind: 'columns', columns });
export const tensorSchema = (tensors: TensorSpec[]): Schema => ({ kind: 'tensors', tensors });

/** The specs of a schema, whichever kind. */
export function schemaSpecs(schema: Schema): readonly (ColSpec | TensorSpec)[] {
  return schema.kind === 'columns' ? schema.columns : schema.tensors;
}

/** True when the schema names its inputs (MLflow: `has_input_names`). */
export function hasInputNames(schema: Schema): boolean {
  return schemaSpecs(schema)[0]?.name !== undefined;
}

/** True when the column type is one of MLflow's scalar DataTypes. */
export function isDataType(type: ColumnType): type is DataType {
  return typeof type === 'string';
}
