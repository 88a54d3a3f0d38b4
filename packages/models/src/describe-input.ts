import type { Column, DataFrame } from './data-frame.js';
import { cellValue, columnDType, rowCount } from './data-frame.js';
import type { ModelInput } from './model-input.js';
import { pyRepr, pyShape, pyStr } from './py-repr.js';
import type { Tensor } from './tensor.js';

/** pandas shows this many rows in full; longer frames show the first and last five. */
const MAX_ROWS = 60;
const EDGE_ROWS = 5;

/**
 * The text MLflow prints for an input in `Failed to enforce schema of data '<data>' …`: a data frame as
 * pandas' repr (right-aligned columns, row numbers, floats to a common number of decimals, long frames
 * cut to their first and last rows); tensors in numpy's spirit (`array(shape=(2, 4), dtype=float32)`).
 * It follows pandas closely for small frames of scalars, not in every detail.
 */
export function describeInput(input: ModelInput): string {
  if (input.kind === 'dataframe') return describeDataFrame(input);
  if (input.kind === 'tensor') return describeTensor(input);
  const items = Object.entries(input.tensors).map(([name, t]) => `${pyStr(name)}: ${describeTensor(t)}`);
  return `{${items.join(', ')}}`;
}

function describeTensor(t: Tensor): string {
  return `array(shape=${pyShape(t.shape)}, dtype=${t.dtype})`;
}

function describeDataFrame(df: DataFrame): string {
  const rows = rowCount(df);
  if (df.columns.length === 0)
    return `Empty DataFrame\nColumns: []\nIndex: [${Array.from({ length: rows }, (_, i) => i).join(', ')}]`;
  const cut = rows > MAX_ROWS;
  const shown = cut ? [...range(0, EDGE_ROWS), -1, ...range(rows - EDGE_ROWS, rows)] : range(0, rows);
  const index = shown.map((r) => (r < 0 ? '..' : String(r)));
  const indexWidth = Math.max(0, ...index.map((s) => s.length));
  const columns = df.columns.map((name, c) => {
    // pandas separates numeric columns by two spaces and object (text) columns by one.
    const text = columnDType(df.data[c]!) === 'object';
    const gap = text ? ' ' : '  ';
    const cells = formatColumn(df.data[c]!, shown);
    // Text cells carry a leading space of their own.
    const width = Math.max(name.length, ...cells.map((s) => s.length + (text ? 1 : 0)));
    return { header: gap + name.padStart(width), cells: cells.map((s) => gap + s.padStart(width)) };
  });
  const lines = [' '.repeat(indexWidth) + columns.map((c) => c.header).join('')];
  shown.forEach((_, i) => {
    lines.push(index[i]!.padEnd(indexWidth) + columns.map((c) => c.cells[i]).join(''));
  });
  if (cut) lines.push('', `[${rows} rows x ${df.columns.length} columns]`);
  return lines.join('\n');
}

function formatColumn(column: Column, rows: readonly number[]): string[] {
  const values = rows.map((r) => (r < 0 ? undefined : cellValue(column, r)));
  const dtype = columnDType(column);
  if (dtype === 'float32' || dtype === 'float64') {
    const decimals = Math.max(
      1,
      ...values.map((v) => (typeof v === 'number' && Number.isFinite(v) ? decimalsOf(v) : 0)),
    );
    return values.map((v) => {
      if (v === undefined) return '..';
      if (typeof v !== 'number' || Number.isNaN(v)) return 'NaN';
      return Number.isFinite(v) ? v.toFixed(decimals) : v > 0 ? 'inf' : '-inf';
    });
  }
  return values.map((v) => {
    if (v === undefined) return '..';
    if (typeof v === 'string') return v;
    return pyRepr(v);
  });
}

/** Decimal places a value needs, capped at pandas' default display precision of 6. */
function decimalsOf(value: number): number {
  const fixed = value.toFixed(6).replace(/0+$/, '');
  return Math.min(6, fixed.length - fixed.indexOf('.') - 1);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
