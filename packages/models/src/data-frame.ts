import { invalidParam } from '@ferry/core';
import type { NumericTypedArray } from './tensor.js';

/**
 * A column: a typed array carries its numpy dtype (Float32Array is `float32`, …); a plain array is
 * untyped, like values decoded from JSON, and its dtype is inferred as pandas would (see
 * `columnDType`). Cells of plain arrays are JSON values, `Uint8Array` (binary) or `Date` (datetime).
 */
export type Column = NumericTypedArray | readonly unknown[];

/** A table of named, equally long columns (pandas' DataFrame without an index). */
export interface DataFrame {
  readonly kind: 'dataframe';
  readonly columns: readonly string[];
  /** Column-major: `data[i]` holds every row's value of `columns[i]`. */
  readonly data: readonly Column[];
}

/** numpy dtype names a column can have. */
export type ColumnDType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float32'
  | 'float64'
  | 'datetime64[ns]'
  | 'object';

/** A data frame from named columns; INVALID_PARAMETER_VALUE when their lengths differ. */
export function dataFrame(columns: Record<string, Column>): DataFrame {
  return makeDataFrame(Object.keys(columns), Object.values(columns));
}

/** A data frame from parallel column names and column arrays. */
export function makeDataFrame(columns: readonly string[], data: readonly Column[]): DataFrame {
  if (columns.length !== data.length) {
    throw invalidParam(`${columns.length} columns passed, passed data had ${data.length} columns`);
  }
  if (data.some((column) => column.length !== data[0]!.length)) {
    throw invalidParam('All arrays must be of the same length');
  }
  return { kind: 'dataframe', columns: [...columns], data: [...data] };
}

/**
 * A data frame from rows (pandas' `split` orientation). Without `columns` the columns are named
 * "0", "1", …; a row that is not an array is a one-column row.
 */
export function dataFrameFromRows(rows: readonly unknown[], columns?: readonly string[]): DataFrame {
  const asRows = rows.map((row) => (Array.isArray(row) ? row : [row]));
  const width = columns?.length ?? asRows[0]?.length ?? 0;
  for (const row of asRows) {
    if (row.length !== width) {
      throw invalidParam(`${width} columns passed, passed data had ${row.length} columns`);
    }
  }
  const names = columns ?? Array.from({ length: width }, (_, i) => String(i));
  return makeDataFrame(
    names,
    names.map((_, c) => asRows.map((row) => row[c])),
  );
}

/**
 * A data frame from records (pandas' `records` orientation): columns in first-seen order, a key missing
 * from a record is null in that row.
 */
export function dataFrameFromRecords(records: readonly Record<string, unknown>[]): DataFrame {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    for (const key of Object.keys(record)) {
      if (seen.has(key)) continue;
      seen.add(key);
      names.push(key);
    }
  }
  return makeDataFrame(
    names,
    names.map((name) => records.map((record) => (name in record ? record[name] : null))),
  );
}

export const rowCount = (df: DataFrame): number => df.data[0]?.length ?? 0;

/** A missing value as pandas sees one: null, undefined or NaN. */
export const isMissing = (value: unknown): boolean =>
  value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));

/** The column named `name`, or undefined. */
export function getColumn(df: DataFrame, name: string): Column | undefined {
  const index = df.columns.indexOf(name);
  return index < 0 ? undefined : df.data[index];
}

/** A cell as a plain JS value (bigints become numbers). */
export function cellValue(column: Column, row: number): unknown {
  const value = column[row];
  return typeof value === 'bigint' ? Number(value) : value;
}

/** The rows as records (pandas' `to_dict(orient="records")`). */
export function dataFrameRecords(df: DataFrame): Record<string, unknown>[] {
  return Array.from({ length: rowCount(df) }, (_, row) =>
    Object.fromEntries(df.columns.map((name, c) => [name, cellValue(df.data[c]!, row)])),
  );
}

/**
 * The pandas dtype of a column: a typed array's own; for a plain array, what pandas infers: `bool`
 * when all booleans, `int64` when all whole numbers, `float64` for numbers with a fraction or missing
 * values (null/NaN), `datetime64[ns]` for Dates, else `object` (strings, mixed, nested, empty).
 */
export function columnDType(column: Column): ColumnDType {
  if (!Array.isArray(column)) return typedArrayDType(column as NumericTypedArray);
  if (column.length === 0) return 'object';
  let numbers = 0;
  let missing = 0;
  let fractional = false;
  for (const value of column) {
    if (isMissing(value)) missing++;
    else if (typeof value === 'number' || typeof value === 'bigint') {
      numbers++;
      if (typeof value === 'number' && !Number.isInteger(value)) fractional = true;
    }
  }
  if (numbers > 0 && numbers + missing === column.length)
    return fractional || missing > 0 ? 'float64' : 'int64';
  if (column.every((v) => typeof v === 'boolean')) return 'bool';
  if (column.every((v) => v instanceof Date || v === null || v === undefined) && missing < column.length) {
    return 'datetime64[ns]';
  }
  return 'object';
}

export function typedArrayDType(array: NumericTypedArray): ColumnDType {
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof BigInt64Array) return 'int64';
  if (array instanceof Int16Array) return 'int16';
  if (array instanceof Int8Array) return 'int8';
  if (array instanceof Uint8Array) return 'uint8';
  if (array instanceof Uint16Array) return 'uint16';
  if (array instanceof Uint32Array) return 'uint32';
  return 'uint64';
}
