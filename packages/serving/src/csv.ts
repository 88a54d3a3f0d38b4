import { FerryError } from '@ferry/core';
import type { Column, DataFrame, DataType, Schema } from '@ferry/models';
import { makeDataFrame } from '@ferry/models';

/**
 * Reads a `text/csv` scoring body as MLflow's `parse_csv_input` does with `pandas.read_csv`: a header
 * row, then one row per line (blank lines skipped, RFC 4180 quoting). Columns the schema names are read
 * as its types (`dtype=` in pandas); other columns as pandas infers: all whole numbers → int64, all
 * numbers (empty cells as NaN) → float64, True/False → bool, else strings. BAD_REQUEST with MLflow's
 * message when the text is not a table.
 */
export function parseCsv(text: string, schema?: Schema): DataFrame {
  try {
    const rows = csvRows(text);
    if (rows.length === 0) throw new Error('No columns to parse from file');
    const header = rows[0]!.map((name, i) => (name === '' ? `Unnamed: ${i}` : name));
    const body = rows.slice(1);
    for (const [i, row] of body.entries()) {
      if (row.length > header.length) {
        throw new Error(
          `Error tokenizing data. C error: Expected ${header.length} fields in line ${i + 2}, saw ${row.length}`,
        );
      }
    }
    const types = columnTypes(schema);
    return makeDataFrame(
      header,
      header.map((name, c) =>
        column(
          body.map((row) => row[c] ?? ''),
          types.get(name),
          name,
        ),
      ),
    );
  } catch (err) {
    throw new FerryError(
      'BAD_REQUEST',
      'Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted Pandas ' +
        `DataFrame produced using the \`pandas.DataFrame.to_csv()\` method. Error: '${(err as Error).message}'`,
    );
  }
}

function columnTypes(schema?: Schema): Map<string, DataType> {
  const types = new Map<string, DataType>();
  if (schema?.kind !== 'columns') return types;
  for (const c of schema.columns)
    if (c.name !== undefined && typeof c.type === 'string') types.set(c.name, c.type);
  return types;
}

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity|nan)$/i;
const TRUE = new Set(['True', 'TRUE', 'true']);
const FALSE = new Set(['False', 'FALSE', 'false']);
const NA = new Set(['', 'NaN', 'nan', 'NA', 'N/A', 'n/a', 'NULL', 'null', '<NA>', 'None']);

function toFloat(cell: string): number {
  if (NA.has(cell)) return NaN;
  if (!FLOAT.test(cell)) throw new Error(`could not convert string to float: '${cell}'`);
  const lower = cell.toLowerCase().replace(/^\+/, '');
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return Number(cell);
}

function column(cells: string[], type: DataType | undefined, name: string): Column {
  switch (type) {
    case 'double':
      return Float64Array.from(cells, toFloat);
    case 'float':
      return Float32Array.from(cells, toFloat);
    case 'integer':
    case 'long':
      return cells.map((cell) => {
        if (!INT.test(cell))
          throw new Error(`invalid literal for int() with base 10: '${cell}' (column ${name})`);
        return Number(cell);
      });
    case 'boolean':
      return cells.map((cell) => {
        if (TRUE.has(cell)) return true;
        if (FALSE.has(cell)) return false;
        throw new Error(`Unable to convert '${cell}' to bool (column ${name})`);
      });
    case 'string':
    case 'binary':
      return cells;
    default:
      return inferred(cells);
  }
}

function inferred(cells: string[]): Column {
  const present = cells.filter((cell) => !NA.has(cell));
  if (present.length === 0) return cells.map(() => null);
  if (present.every((cell) => INT.test(cell))) {
    return present.length === cells.length ? cells.map(Number) : Float64Array.from(cells, toFloat);
  }
  if (present.every((cell) => FLOAT.test(cell))) return Float64Array.from(cells, toFloat);
  if (present.length === cells.length && cells.every((cell) => TRUE.has(cell) || FALSE.has(cell))) {
    return cells.map((cell) => TRUE.has(cell));
  }
  return cells.map((cell) => (NA.has(cell) ? null : cell));
}

/** Rows of fields; quoted fields may hold commas, quotes (doubled) and newlines. */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  const endRow = () => {
    if (fieldStarted || row.length > 0 || field !== '') {
      row.push(field);
      rows.push(row);
    }
    row = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') {
      quoted = true;
      fieldStarted = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      fieldStarted = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (quoted) throw new Error('Error tokenizing data. C error: EOF inside string');
  endRow();
  return rows;
}
