// Streaming readers and writers of `ferry models predict`: input rows in batches, predictions per row.
import { once } from 'node:events';
import { extname } from 'node:path';
import { pipeline } from 'node:stream';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import type { DataFrame, LoadedModel, ModelInput, ModelOutput, Schema, Tensor } from '@ferry/models';
import {
  dataFrameFromRecords,
  isModelInput,
  makeDataFrame,
  parseScoringRequest,
  rowCount,
  tensorToNested,
  toJsonable,
} from '@ferry/models';
import { parseCsv } from '@ferry/serving';

export const DATA_FORMATS = ['csv', 'json', 'jsonl'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

const isFormat = (value: string): value is DataFormat => (DATA_FORMATS as readonly string[]).includes(value);

/** A `--format`/`--output-format` value; an error naming the formats for anything else. */
export function parseFormat(value: string): DataFormat {
  const lower = value.toLowerCase();
  if (!isFormat(lower)) throw new Error(`unknown format '${value}': use ${DATA_FORMATS.join(', ')}`);
  return lower;
}

/** The format a file name's extension stands for (`.csv`, `.json`, `.jsonl`/`.ndjson`). */
export function formatOfPath(path: string, what: 'input' | 'output'): DataFormat {
  const ext = extname(path).slice(1).toLowerCase();
  if (ext === 'ndjson') return 'jsonl';
  if (isFormat(ext)) return ext;
  throw new Error(
    `cannot tell the ${what} format of '${path}' from its extension${ext ? ` '.${ext}'` : ''}: ` +
      `name it .csv, .json or .jsonl, or pass ${what === 'input' ? '--format' : '--output-format'}`,
  );
}

/** A failure tied to one input row (1-based, counting data rows only). */
export class RowError extends Error {
  constructor(
    readonly row: number,
    reason: string,
  ) {
    super(`row ${row}: ${reason}`);
    this.name = 'RowError';
  }
}

/** Consecutive input rows, ready to predict on. */
export interface InputBatch {
  /** The 1-based number of the batch's first data row. */
  readonly firstRow: number;
  /** How many rows the batch holds; undefined when the input has no countable rows (e.g. named tensors). */
  readonly rows: number | undefined;
  readonly input: ModelInput;
  /** Inference params (only a JSON scoring payload carries them). */
  readonly params?: Record<string, unknown>;
}

export interface ReadOptions {
  /** The model's input schema: CSV cells are converted to its column types, JSON payloads parsed with it. */
  schema?: Schema | undefined;
}

/**
 * Reads rows from a stream in batches of `batchSize`, never holding more than one batch (and the
 * parser's buffer) in memory, except for `json`, which is one document and is read whole:
 * - `csv`: a header row, then one row per line (RFC 4180 quoting, blank lines skipped). Each batch is
 *   converted as the scoring server converts a CSV body (`parseCsv`): columns the schema names take its
 *   types, others are inferred (numbers become numbers).
 * - `jsonl`: one JSON object (a record) per non-blank line.
 * - `json`: an array of records, or an MLflow scoring payload (`dataframe_split`, `dataframe_records`,
 *   `instances`, `inputs`, with optional `params`); a data frame payload is cut into batches.
 * A row that cannot be read is a RowError naming it.
 */
export async function* readRecordBatches(
  stream: Readable,
  format: DataFormat,
  batchSize: number,
  options: ReadOptions = {},
): AsyncGenerator<InputBatch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`invalid batch size ${batchSize}`);
  if (format === 'csv') yield* csvBatches(stream, batchSize, options.schema);
  else if (format === 'jsonl') yield* recordBatches(jsonlRecords(stream), batchSize);
  else yield* jsonBatches(stream, batchSize, options.schema);
}

async function* csvBatches(
  stream: Readable,
  batchSize: number,
  schema: Schema | undefined,
): AsyncGenerator<InputBatch> {
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true });
  // pipeline forwards a read error to the parser (ending the loop below with it) and closes the file
  // when the loop stops early.
  pipeline(stream, parser, () => {});
  let header: string[] | undefined;
  let headerLine = '';
  let verbatim: number[] = [];
  let rows: string[][] = [];
  let firstRow = 1;
  let next = 1;
  const flush = (): InputBatch => {
    const batch = {
      firstRow,
      rows: rows.length,
      input: csvFrame(headerLine, rows, firstRow, schema, verbatim),
    };
    firstRow = next;
    rows = [];
    return batch;
  };
  for await (const record of parser as AsyncIterable<string[]>) {
    if (header === undefined) {
      header = record;
      headerLine = csvLine(record);
      verbatim = verbatimColumns(record, schema);
      continue;
    }
    if (record.length > header.length) {
      throw new RowError(next, `expected ${header.length} fields (the header's), found ${record.length}`);
    }
    rows.push(record);
    next++;
    if (rows.length === batchSize) yield flush();
  }
  if (rows.length > 0) yield flush();
}

/** A CSV line the scoring server's parser reads back as exactly these cells. */
function csvLine(cells: readonly string[]): string {
  // An empty cell is quoted so that a one-column row of it is not a blank line.
  return cells
    .map((cell) => (cell === '' || /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell))
    .join(',');
}

/**
 * The rows as a data frame, converted as `parseCsv` converts a CSV body; a failing row is named. The
 * columns in `verbatim` (those the schema types as strings, which parseCsv keeps as they are) skip the
 * second parse: their cells go in as empty ones and are put back afterwards, as read.
 */
function csvFrame(
  headerLine: string,
  rows: readonly string[][],
  firstRow: number,
  schema: Schema | undefined,
  verbatim: readonly number[],
): DataFrame {
  const frame = (lines: string[]) => parseCsv([headerLine, ...lines].join('\n') + '\n', schema);
  const lines = rows.map((row) =>
    csvLine(verbatim.length === 0 ? row : row.map((cell, c) => (verbatim.includes(c) ? '' : cell))),
  );
  let df: DataFrame;
  try {
    df = frame(lines);
  } catch (error) {
    for (const [i, line] of lines.entries()) {
      try {
        frame([line]);
      } catch (rowError) {
        throw new RowError(firstRow + i, csvReason(rowError as Error));
      }
    }
    throw error;
  }
  if (verbatim.length === 0) return df;
  return makeDataFrame(
    df.columns,
    df.data.map((column, c) => (verbatim.includes(c) ? rows.map((row) => row[c] ?? '') : column)),
  );
}

/** The header's columns the schema types `string` or `binary`: parseCsv keeps their cells as they are. */
function verbatimColumns(header: readonly string[], schema: Schema | undefined): number[] {
  if (schema?.kind !== 'columns') return [];
  const kept = new Set(
    schema.columns.filter((c) => c.type === 'string' || c.type === 'binary').map((c) => c.name),
  );
  return header.flatMap((name, c) => (name !== '' && kept.has(name) ? [c] : []));
}

/** The reason inside the scoring server's "Failed to parse input as a Pandas DataFrame. … Error: '…'". */
function csvReason(error: Error): string {
  return /Error: '([\s\S]*)'$/.exec(error.message)?.[1] ?? error.message;
}

/** The records of a JSON Lines stream, one per non-blank line, with their row numbers. */
async function* jsonlRecords(stream: Readable): AsyncGenerator<Record<string, unknown>> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let row = 0;
  const record = (line: string): Record<string, unknown> => {
    row++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new RowError(row, `not valid JSON: ${(error as Error).message}`);
    }
    return asRecord(value, row);
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
      const line = pending.slice(start, end);
      start = end + 1;
      if (line.trim() !== '') yield record(line);
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  if (pending.trim() !== '') yield record(pending);
}

function asRecord(value: unknown, row: number): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RowError(row, `expected a JSON object (a record of column values), found ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;

async function* recordBatches(
  records: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>,
  batchSize: number,
): AsyncGenerator<InputBatch> {
  let batch: Record<string, unknown>[] = [];
  let firstRow = 1;
  for await (const record of records) {
    batch.push(record);
    if (batch.length === batchSize) {
      yield { firstRow, rows: batch.length, input: dataFrameFromRecords(batch) };
      firstRow += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) yield { firstRow, rows: batch.length, input: dataFrameFromRecords(batch) };
}

async function* jsonBatches(
  stream: Readable,
  batchSize: number,
  schema: Schema | undefined,
): AsyncGenerator<InputBatch> {
  let text = '';
  const decoder = new StringDecoder('utf8');
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    text += typeof chunk === 'string' ? chunk : decoder.write(chunk);
  }
  text += decoder.end();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new Error(`the input is not valid JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(body)) {
    yield* recordBatches(
      body.map((value, i) => asRecord(value, i + 1)),
      batchSize,
    );
    return;
  }
  if (typeof body !== 'object' || body === null) {
    throw new Error(
      `a JSON input must be an array of records or a scoring payload ({"dataframe_split": …}, ` +
        `{"dataframe_records": …}, {"instances": …} or {"inputs": …}), not ${describe(body)}`,
    );
  }
  const { input, params } = parseScoringRequest(body, schema);
  const extra = params !== undefined ? { params } : {};
  if (input.kind !== 'dataframe') {
    yield { firstRow: 1, rows: inputRows(input), input, ...extra };
    return;
  }
  const total = rowCount(input);
  for (let start = 0; start < total; start += batchSize) {
    const end = Math.min(total, start + batchSize);
    yield { firstRow: start + 1, rows: end - start, input: sliceFrame(input, start, end), ...extra };
  }
}

/** The rows of a model input: a data frame's rows, a tensor's first dimension (shared by named tensors). */
export function inputRows(input: ModelInput): number | undefined {
  if (input.kind === 'dataframe') return rowCount(input);
  if (input.kind === 'tensor') return input.shape[0];
  const firsts = new Set(Object.values(input.tensors).map((t) => t.shape[0]));
  return firsts.size === 1 ? [...firsts][0] : undefined;
}

function sliceFrame(df: DataFrame, start: number, end: number): DataFrame {
  return makeDataFrame(
    df.columns,
    df.data.map((column) => column.slice(start, end)),
  );
}

/**
 * Predicts on one batch. When the model fails on it, the failing row is found by predicting on halves
 * of the batch (a few more predictions, only on failure) and the error names it with the model's own
 * message; a failure no single row causes names the batch's rows.
 */
export async function predictBatch(
  model: Pick<LoadedModel, 'predict'>,
  batch: InputBatch,
): Promise<ModelOutput> {
  try {
    return await model.predict(batch.input, batch.params);
  } catch (error) {
    const input = batch.input;
    if (input.kind === 'dataframe' && batch.rows !== undefined && batch.rows > 1) {
      const found = await failingRow(model, input, batch.params, 0, batch.rows, error as Error);
      if (found) throw new RowError(batch.firstRow + found.index, found.error.message);
    }
    if (batch.rows === 1) throw new RowError(batch.firstRow, (error as Error).message);
    throw new Error(`${rowsName(batch)}: ${(error as Error).message}`);
  }
}

async function failingRow(
  model: Pick<LoadedModel, 'predict'>,
  df: DataFrame,
  params: Record<string, unknown> | undefined,
  start: number,
  end: number,
  error: Error,
): Promise<{ index: number; error: Error } | undefined> {
  if (end - start === 1) return { index: start, error };
  const middle = Math.floor((start + end) / 2);
  for (const [from, to] of [
    [start, middle],
    [middle, end],
  ] as const) {
    try {
      await model.predict(sliceFrame(df, from, to), params);
    } catch (halfError) {
      return failingRow(model, df, params, from, to, halfError as Error);
    }
  }
  return undefined;
}

const rowsName = (batch: Pick<InputBatch, 'firstRow' | 'rows'>): string =>
  batch.rows === undefined
    ? 'the input'
    : batch.rows === 1
      ? `row ${batch.firstRow}`
      : `rows ${batch.firstRow}-${batch.firstRow + batch.rows - 1}`;

/**
 * One JSON value per row of a model output, as the scoring server would send it (`toJsonable`): a data
 * frame's records, a tensor's first-dimension slices, named tensors' slices as `{name: slice}`, a list's
 * items, a dict of equally long lists as records. Undefined when the output has no rows (a scalar, a
 * dict of other things).
 */
export function jsonRows(output: ModelOutput): unknown[] | undefined {
  if (isModelInput(output)) {
    if (output.kind === 'dataframe') return toJsonable(output) as unknown[];
    if (output.kind === 'tensor')
      return output.shape.length > 0 ? (tensorToNested(output) as unknown[]) : undefined;
    return columnsToRecords(
      Object.fromEntries(Object.entries(output.tensors).map(([name, t]) => [name, nestedRows(t)])),
    );
  }
  const value = toJsonable(output);
  if (Array.isArray(value)) return value;
  if (isPlainObject(value)) return columnsToRecords(value);
  return undefined;
}

const nestedRows = (t: Tensor): unknown => (t.shape.length > 0 ? tensorToNested(t) : undefined);

function columnsToRecords(columns: Record<string, unknown>): Record<string, unknown>[] | undefined {
  const names = Object.keys(columns);
  const lists = Object.values(columns);
  if (names.length === 0 || !lists.every(Array.isArray)) return undefined;
  const length = (lists[0] as unknown[]).length;
  if (lists.some((list) => (list as unknown[]).length !== length)) return undefined;
  return Array.from({ length }, (_, row) =>
    Object.fromEntries(names.map((name, c) => [name, (lists[c] as unknown[])[row]])),
  );
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !ArrayBuffer.isView(value) &&
  !(value instanceof Date);

/** A table of prediction rows: column names and each row's cells in their order. */
export interface PredictionTable {
  columns: string[];
  rows: unknown[][];
}

/**
 * The rows of a model output as a table: a data frame keeps its column names; a tensor (or a list of
 * values) is one column `prediction`, or `prediction_0` … `prediction_<k-1>` when each row is a list of k
 * values (a 2-D tensor); named tensors likewise, by name; records (dicts) give their keys. Undefined when
 * the output has no rows.
 */
export function tableRows(output: ModelOutput): PredictionTable | undefined {
  if (isModelInput(output) && output.kind === 'dataframe') {
    const records = toJsonable(output) as Record<string, unknown>[];
    return { columns: [...output.columns], rows: records.map((r) => output.columns.map((c) => r[c])) };
  }
  if (isModelInput(output) && output.kind === 'tensors') {
    const parts = Object.entries(output.tensors).map(([name, t]) => {
      const rows = nestedRows(t);
      return Array.isArray(rows) ? spread(name, rows, t.shape.length === 2) : undefined;
    });
    if (parts.some((p) => p === undefined)) return undefined;
    return joinTables(parts as PredictionTable[]);
  }
  if (isModelInput(output) && output.kind === 'tensor') {
    const rows = nestedRows(output);
    return Array.isArray(rows) ? spread('prediction', rows, output.shape.length === 2) : undefined;
  }
  const values = jsonRows(output);
  if (values === undefined) return undefined;
  if (values.length > 0 && values.every(isPlainObject)) {
    const columns = [...new Set(values.flatMap((record) => Object.keys(record)))];
    return { columns, rows: values.map((record) => columns.map((c) => record[c])) };
  }
  const widths = new Set(values.map((v) => (Array.isArray(v) && !v.some(Array.isArray) ? v.length : -1)));
  return spread('prediction', values, values.length > 0 && widths.size === 1 && !widths.has(-1));
}

/** One column `name`, or `name_0` … when every row is a list of the same length (`wide`). */
function spread(name: string, rows: unknown[], wide: boolean): PredictionTable {
  if (!wide) return { columns: [name], rows: rows.map((v) => [v]) };
  const width = (rows[0] as unknown[] | undefined)?.length ?? 0;
  return {
    columns: Array.from({ length: width }, (_, j) => `${name}_${j}`),
    rows: rows as unknown[][],
  };
}

function joinTables(parts: PredictionTable[]): PredictionTable | undefined {
  const length = parts[0]?.rows.length ?? 0;
  if (parts.some((p) => p.rows.length !== length)) return undefined;
  return {
    columns: parts.flatMap((p) => p.columns),
    rows: Array.from({ length }, (_, row) => parts.flatMap((p) => p.rows[row]!)),
  };
}

/** Writes predictions to a stream in one format, a batch at a time, honouring backpressure. */
export interface PredictionWriter {
  /** Writes one batch's predictions: the model output for `batch`'s rows. */
  write(output: ModelOutput, batch: Pick<InputBatch, 'firstRow' | 'rows'>): Promise<void>;
  /** Writes what closes the document (for `json`); the stream itself is left open. */
  end(): Promise<void>;
  /** Predictions written so far. */
  readonly count: number;
}

/**
 * A writer of predictions to `out`:
 * - `jsonl`: one JSON value per row and line;
 * - `json`: `{"predictions": [ … ]}` (the scoring server's response body), written item by item;
 * - `csv`: a header (the first batch's columns, see tableRows), then one line per row.
 * A batch whose output has no rows, or a different number of rows than the batch, is an error.
 */
export function predictionWriter(out: Writable, format: DataFormat): PredictionWriter {
  const sink = writeTo(out);
  let count = 0;
  const checked = <T>(
    rows: T[] | undefined,
    output: ModelOutput,
    batch: Pick<InputBatch, 'firstRow' | 'rows'>,
  ): T[] => {
    if (rows === undefined) {
      throw new Error(
        `${rowsName(batch)}: the model returned ${outputName(output)}, which has no rows; batch ` +
          'predictions need a data frame, a tensor, a list or a dict of lists with one prediction per row',
      );
    }
    if (batch.rows !== undefined && rows.length !== batch.rows) {
      throw new Error(
        `${rowsName(batch)}: the model returned ${rows.length} prediction${rows.length === 1 ? '' : 's'} ` +
          `for ${batch.rows} row${batch.rows === 1 ? '' : 's'}`,
      );
    }
    count += rows.length;
    return rows;
  };
  if (format === 'jsonl') {
    return {
      get count() {
        return count;
      },
      async write(output, batch) {
        const rows = checked(jsonRows(output), output, batch);
        if (rows.length > 0) await sink(rows.map((value) => jsonText(value) + '\n').join(''));
      },
      async end() {},
    };
  }
  if (format === 'json') {
    let started = false;
    return {
      get count() {
        return count;
      },
      async write(output, batch) {
        const rows = checked(jsonRows(output), output, batch);
        if (rows.length === 0) return;
        const items = rows.map((value) => jsonText(value)).join(',\n');
        await sink(started ? `,\n${items}` : `{"predictions": [\n${items}`);
        started = true;
      },
      async end() {
        await sink(started ? '\n]}\n' : '{"predictions": []}\n');
      },
    };
  }
  let columns: string[] | undefined;
  return {
    get count() {
      return count;
    },
    async write(output, batch) {
      const table = tableRows(output);
      const rows = checked(table?.rows, output, batch);
      if (rows.length === 0) return;
      const header = columns === undefined;
      columns ??= table!.columns;
      let cells = rows;
      if (table!.columns.join('\0') !== columns.join('\0')) {
        const index = new Map(table!.columns.map((name, i) => [name, i]));
        const unknown = table!.columns.filter((name) => !columns!.includes(name));
        if (unknown.length > 0) {
          throw new Error(
            `${rowsName(batch)}: the predictions have columns ${unknown.map((c) => `'${c}'`).join(', ')} ` +
              `the first batch did not have (CSV columns: ${columns.join(', ')}); write JSON Lines instead`,
          );
        }
        cells = rows.map((row) => columns!.map((name) => (index.has(name) ? row[index.get(name)!] : null)));
      }
      await sink(stringify(cells, { header, columns, cast: CSV_CAST }));
    },
    async end() {},
  };
}

const CSV_CAST = {
  boolean: (value: boolean) => (value ? 'true' : 'false'),
  bigint: (value: bigint) => String(value),
  object: (value: object) => jsonText(value),
};

/** JSON text; bigints as numbers (NaN and infinities become null, as JSON.stringify has it). */
const jsonText = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)) ?? 'null';

function outputName(output: ModelOutput): string {
  if (isModelInput(output)) return output.kind === 'tensor' ? 'a scalar tensor' : 'named tensors';
  return describe(output);
}

/** Writes chunks to a stream, waiting for it to drain when its buffer is full; its errors reject. */
function writeTo(out: Writable): (chunk: string) => Promise<void> {
  let failed: Error | undefined;
  out.on('error', (error) => (failed ??= error));
  return async (chunk) => {
    if (failed) throw failed;
    if (!out.write(chunk)) await once(out, 'drain');
    if (failed) throw failed;
  };
}
