import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataFrame, ModelInput } from '@ferry/models';
import { columnSchema, dataFrame, saveModel, tensor, tensors } from '@ferry/models';
import { TrackingSession } from '@ferry/sdk';
import {
  RowError,
  formatOfPath,
  parseFormat,
  predictBatch,
  predictionWriter,
  readRecordBatches,
} from '../src/commands/models/predict-io.js';
import type { DataFormat, InputBatch } from '../src/commands/models/predict-io.js';
import { linearOnnxModel } from '../../models/test/helpers/onnx-linear.js';

// The built `ferry` binary (`npm test` builds it first) on models saved here, plus the streaming
// readers and writers it is made of, tested directly.
const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = join(HERE, '../dist/bin.js');
const FIXTURES = join(HERE, 'fixtures/predict');
const fixture = (name: string) => join(FIXTURES, name);

let dir: string;
/** Models by role: an ONNX y = x1 + 2·x2 + 3·x3 + 4·x4 + 0.5, js models with and without a signature. */
const models = { linear: '', people: '', recorder: '', doubler: '' };
/** Where the recording model appends each batch's row count. */
let batchLog: string;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ferry models predict …` in `dir`, feeding `stdin` when given. */
function predict(args: string[], options: { stdin?: string; nodeArgs?: string[] } = {}): Promise<Result> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(FERRY|MLFLOW)_/.test(key)),
  );
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, 'models', 'predict', ...args], {
    cwd: dir,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(options.stdin ?? '');
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A js_function model from module source, saved under `dir`. */
async function jsModel(name: string, source: string, signature?: Parameters<typeof saveModel>[2]) {
  const module = join(dir, `${name}.mjs`);
  await writeFile(module, source);
  const path = join(dir, 'models', name);
  await saveModel(path, { flavor: 'js', module }, signature);
  return path;
}

const PEOPLE_SIGNATURE = {
  signature: {
    inputs: columnSchema([
      { name: 'id', type: 'long', required: true },
      { name: 'name', type: 'string', required: true },
      { name: 'score', type: 'double', required: true },
    ]),
  },
};

/** What the people model answers for the people fixtures. */
const PEOPLE_PREDICTIONS = [
  { id: 1, greeting: 'hello, Ada', double: 3 },
  { id: 2, greeting: 'hello, Lovelace, Ada', double: 4 },
  { id: 3, greeting: 'hello, say "hi"', double: -0.5 },
  { id: 4, greeting: 'hello, ', double: 20 },
];

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  dir = await mkdtemp(join(tmpdir(), 'ferry-predict-'));
  batchLog = join(dir, 'batches.log');
  models.linear = join(dir, 'models', 'linear');
  await saveModel(models.linear, { flavor: 'onnx', onnx: linearOnnxModel() });
  // A data frame out: its column names become the CSV header.
  models.people = await jsModel(
    'people',
    `export function predict(input) {
      const col = (name) => Array.from(input.data[input.columns.indexOf(name)], (v) => Number.isFinite(v) || typeof v === 'bigint' ? Number(v) : v);
      return {
        kind: 'dataframe',
        columns: ['id', 'greeting', 'double'],
        data: [col('id'), col('name').map((n) => 'hello, ' + n), col('score').map((s) => s * 2)],
      };
    }\n`,
    PEOPLE_SIGNATURE,
  );
  // A list of labels out, and each batch's size appended to a file.
  models.recorder = await jsModel(
    'recorder',
    `import { appendFileSync } from 'node:fs';
    export function predict(input) {
      const ids = input.data[input.columns.indexOf('id')];
      const notes = input.data[input.columns.indexOf('note')];
      appendFileSync(${JSON.stringify(batchLog)}, ids.length + '\\n');
      return Array.from(ids, (id, i) => (Number(id) * 3) + ':' + notes[i].length);
    }\n`,
    {
      signature: {
        inputs: columnSchema([
          { name: 'id', type: 'long', required: true },
          { name: 'note', type: 'string', required: true },
        ]),
      },
    },
  );
  // A typed column in: a value that is no double is a bad row.
  models.doubler = await jsModel(
    'doubler',
    `export function predict(input) { return Array.from(input.data[input.columns.indexOf('a')], (a) => a * 2); }\n`,
    { signature: { inputs: columnSchema([{ name: 'a', type: 'double', required: true }]) } },
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const linearOf = ([x1, x2, x3, x4]: number[]) => x1! + 2 * x2! + 3 * x3! + 4 * x4! + 0.5;
const LINEAR_ROWS = [
  [0, 0, 0, 0],
  [1, 1, 1, 1],
  [1, 2, 3, 4],
  [-1, 0.5, 2, 0],
];

const lines = (text: string) => text.split('\n').filter((line) => line !== '');
const jsonLines = (text: string) => lines(text).map((line) => JSON.parse(line) as unknown);

describe('ferry models predict', () => {
  it('CSV to CSV with an ONNX model: the output column keeps its name, one line per row', async () => {
    const out = join(dir, 'linear-out.csv');
    const result = await predict(['-m', models.linear, '-i', fixture('linear.csv'), '-o', out]);
    expect(result.stderr).toMatch(/4 rows in [\d.]+ s \(\d+ rows\/s\)/);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(await readFile(out, 'utf8')).toBe(
      ['y', ...LINEAR_ROWS.map((r) => String(linearOf(r)))].join('\n') + '\n',
    );
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('CSV to JSON Lines, with cells converted by the signature (strings stay strings, quoting kept)', async () => {
    const out = join(dir, 'people-out.jsonl');
    const result = await predict(['-m', models.people, '-i', fixture('people.csv'), '-o', out]);
    expect(result.code).toBe(0);
    expect(jsonLines(await readFile(out, 'utf8'))).toEqual(PEOPLE_PREDICTIONS);
  });

  it('CSV output of text with commas and quotes reads back as the same values', async () => {
    const result = await predict([
      '-m',
      models.people,
      '-i',
      fixture('people.jsonl'),
      '--output-format',
      'csv',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'id,greeting,double\n1,"hello, Ada",3\n2,"hello, Lovelace, Ada",4\n3,"hello, say ""hi""",-0.5\n4,"hello, ",20\n',
    );
  });

  it('JSON Lines to JSON: the scoring server response form {"predictions": [...]}', async () => {
    const out = join(dir, 'linear-out.json');
    const result = await predict([
      '-m',
      models.linear,
      '-i',
      fixture('linear.jsonl'),
      '-o',
      out,
      '--batch-size',
      '3',
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({
      predictions: LINEAR_ROWS.map((r) => ({ y: linearOf(r) })),
    });
  });

  it('a JSON scoring payload (dataframe_split) and a JSON array of records to JSON', async () => {
    for (const input of ['people-split.json', 'people-records.json']) {
      const out = join(dir, `${input}.out.json`);
      const result = await predict([
        '-m',
        models.people,
        '-i',
        fixture(input),
        '-o',
        out,
        '--batch-size',
        '3',
      ]);
      expect(result.code).toBe(0);
      expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({ predictions: PEOPLE_PREDICTIONS });
    }
  });

  it('a models:/ URI loads the registered model through the tracking URI', async () => {
    const db = `sqlite:///${join(dir, 'registry', 'ferry.db')}`;
    const session = new TrackingSession({ trackingUri: db, env: {}, captureSource: false });
    const run = await session.startRun();
    await run.logModel({ flavor: 'onnx', onnx: linearOnnxModel() }, { registeredModelName: 'linear' });
    await session.endRun();
    await session.close();
    const result = await predict([
      '-m',
      'models:/linear/1',
      '-i',
      fixture('linear.csv'),
      '--tracking-uri',
      db,
    ]);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(LINEAR_ROWS.map((r) => ({ y: linearOf(r) })));
  });

  it('standard input to standard output (JSON Lines by default); --format is required for stdin', async () => {
    const csv = await readFile(fixture('linear.csv'), 'utf8');
    const result = await predict(['-m', models.linear, '-i', '-', '--format', 'csv'], { stdin: csv });
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(LINEAR_ROWS.map((r) => ({ y: linearOf(r) })));

    const missing = await predict(['-m', models.linear, '-i', '-'], { stdin: csv });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--format is required when the input is standard input');
  });

  it('batches of 1,000 rows unless --batch-size says otherwise', async () => {
    const jsonl = Array.from({ length: 2500 }, (_, i) =>
      JSON.stringify({ id: i + 1, note: 'n'.repeat(i % 3) }),
    );
    await rm(batchLog, { force: true });
    const result = await predict(['-m', models.recorder, '-i', '-', '--format', 'jsonl'], {
      stdin: jsonl.join('\n') + '\n',
    });
    expect(result.code).toBe(0);
    expect(lines(await readFile(batchLog, 'utf8')).map(Number)).toEqual([1000, 1000, 500]);
    expect(jsonLines(result.stdout)).toEqual(jsonl.map((_, i) => `${(i + 1) * 3}:${i % 3}`));
  });

  it('200,000 rows stream through in batches: every row right, memory bounded', async () => {
    const rows = 200_000;
    const note = (i: number) => `note ${i} `.padEnd(200 + (i % 100), 'x');
    const input = join(dir, 'big.csv');
    const file = createWriteStream(input);
    file.write('id,note\n');
    for (let i = 1; i <= rows; i++) {
      if (!file.write(`${i},"${note(i)}"\n`)) await once(file, 'drain');
    }
    file.end();
    await finished(file);

    // The V8 heap is capped at 64 MB. The input is ~50 MB of text: read whole and parsed into rows it
    // would not fit (a process doing that runs out of heap); streamed, a batch at a time is all there is.
    const out = join(dir, 'big-out.csv');
    await rm(batchLog, { force: true });
    const result = await predict(
      ['-m', models.recorder, '-i', input, '-o', out, '--batch-size', '7000', '--no-progress'],
      { nodeArgs: ['--max-old-space-size=64'] },
    );
    expect(result.stderr).toMatch(/200000 rows in/);
    expect(result.code).toBe(0);
    const batches = lines(await readFile(batchLog, 'utf8')).map(Number);
    expect(batches).toEqual([...Array<number>(28).fill(7000), 4000]);
    const output = lines(await readFile(out, 'utf8'));
    expect(output).toHaveLength(rows + 1);
    expect(output[0]).toBe('prediction');
    for (let i = 1; i <= rows; i++) {
      if (output[i] !== `${i * 3}:${note(i).length}`)
        expect(`row ${i}: ${output[i]}`).toBe(`${i * 3}:${note(i).length}`);
    }
  });

  it('200,000 rows through the ONNX model: every prediction right', async () => {
    const rows = 200_000;
    const row = (i: number) => [i % 7, i % 5, i % 3, i % 11];
    const input = join(dir, 'big-linear.csv');
    const file = createWriteStream(input);
    file.write('x1,x2,x3,x4\n');
    for (let i = 0; i < rows; i++) {
      if (!file.write(row(i).join(',') + '\n')) await once(file, 'drain');
    }
    file.end();
    await finished(file);
    const out = join(dir, 'big-linear-out.csv');
    const result = await predict(['-m', models.linear, '-i', input, '-o', out], {
      nodeArgs: ['--max-old-space-size=64'],
    });
    expect(result.code).toBe(0);
    const output = lines(await readFile(out, 'utf8'));
    expect(output).toHaveLength(rows + 1);
    for (let i = 0; i < rows; i++) {
      if (Number(output[i + 1]) !== linearOf(row(i)))
        expect(`row ${i + 1}: ${output[i + 1]}`).toBe(linearOf(row(i)));
    }
  });

  it('a bad row in the middle: exit 1 naming the row, no output (nor .partial) left behind', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => (i + 1 === 1500 ? 'oops' : String(i)));
    // A CSV cell that is not the signature's double fails while converting the batch.
    const csvIn = join(dir, 'bad.csv');
    await writeFile(csvIn, `a\n${rows.join('\n')}\n`);
    const csvOut = join(dir, 'bad-out.jsonl');
    const csv = await predict(['-m', models.doubler, '-i', csvIn, '-o', csvOut]);
    expect(csv.code).toBe(1);
    expect(csv.stderr).toContain("row 1500: could not convert string to float: 'oops'");

    // A JSON Lines value the model's schema refuses fails in the model: the row is found in the batch.
    const jsonlIn = join(dir, 'bad.jsonl');
    await writeFile(
      jsonlIn,
      rows.map((a, i) => JSON.stringify({ a: i + 1 === 1500 ? a : Number(a) })).join('\n') + '\n',
    );
    const jsonlOut = join(dir, 'bad-out.csv');
    await writeFile(jsonlOut, 'the previous output\n');
    const jsonl = await predict(['-m', models.doubler, '-i', jsonlIn, '-o', jsonlOut]);
    expect(jsonl.code).toBe(1);
    expect(jsonl.stderr).toMatch(/row 1500: Failed to enforce schema of data .*oops/s);
    expect(jsonl.stderr).toContain('Incompatible input types for column a');

    expect(existsSync(csvOut)).toBe(false);
    // An earlier output is left as it was, not overwritten by a half-finished one.
    expect(await readFile(jsonlOut, 'utf8')).toBe('the previous output\n');
    expect((await readdir(dir)).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('a missing input file, an unknown extension or format: clear errors', async () => {
    const missing = await predict([
      '-m',
      models.linear,
      '-i',
      join(dir, 'nope.csv'),
      '-o',
      join(dir, 'x.csv'),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`input file '${join(dir, 'nope.csv')}' does not exist`);
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);

    const unknownIn = await predict(['-m', models.linear, '-i', fixture('predict.txt')]);
    expect(unknownIn.code).toBe(1);
    expect(unknownIn.stderr).toContain("cannot tell the input format of '");
    expect(unknownIn.stderr).toContain("from its extension '.txt'");

    const unknownOut = await predict([
      '-m',
      models.linear,
      '-i',
      fixture('linear.csv'),
      '-o',
      join(dir, 'out.parquet'),
    ]);
    expect(unknownOut.code).toBe(1);
    expect(unknownOut.stderr).toContain("cannot tell the output format of '");

    const noFolder = await predict([
      '-m',
      models.linear,
      '-i',
      fixture('linear.csv'),
      '-o',
      join(dir, 'no', 'x.csv'),
    ]);
    expect(noFolder.code).toBe(1);
    expect(noFolder.stderr).toContain(`the output's folder '${join(dir, 'no')}' does not exist`);

    const badFormat = await predict(['-m', models.linear, '-i', fixture('predict.txt'), '--format', 'xml']);
    expect(badFormat.code).toBe(1);
    expect(badFormat.stderr).toContain("unknown format 'xml': use csv, json, jsonl");

    // An explicit --format reads any file name.
    const given = await predict(['-m', models.linear, '-i', fixture('predict.txt'), '--format', 'csv']);
    expect(given.code).toBe(0);
    expect(jsonLines(given.stdout)).toEqual([{ y: 30.5 }]);
  });
});

/** A stream of these chunks (strings cut anywhere, even inside a character or a quoted field). */
const chunks = (...parts: (string | Buffer)[]) =>
  Readable.from(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));

async function batchesOf(
  stream: Readable,
  format: DataFormat,
  size: number,
  schema?: Parameters<typeof readRecordBatches>[3],
) {
  const out: InputBatch[] = [];
  for await (const batch of readRecordBatches(stream, format, size, schema)) out.push(batch);
  return out;
}

const frame = (input: ModelInput) => input as DataFrame;
const columns = (input: ModelInput) =>
  Object.fromEntries(frame(input).columns.map((name, i) => [name, Array.from(frame(input).data[i]!)]));

describe('predict-io readers', () => {
  it('formats from names and extensions', () => {
    expect(formatOfPath('a/b.CSV', 'input')).toBe('csv');
    expect(formatOfPath('x.ndjson', 'output')).toBe('jsonl');
    expect(() => formatOfPath('x', 'input')).toThrow(
      /cannot tell the input format of 'x' from its extension: .*--format/,
    );
    expect(parseFormat('JSONL')).toBe('jsonl');
    expect(() => parseFormat('tsv')).toThrow("unknown format 'tsv'");
  });

  it('CSV: batches of the size asked, quoting across chunk boundaries, numbers inferred without a schema', async () => {
    const stream = chunks('\uFEFFa,b,c\n1,x,2.5\n2,"y,', ' z",3\n\n3,"q ""u""\nv",\n4', ',w,1e3\n5,,7');
    const batches = await batchesOf(stream, 'csv', 2);
    expect(batches.map((b) => [b.firstRow, b.rows])).toEqual([
      [1, 2],
      [3, 2],
      [5, 1],
    ]);
    expect(columns(batches[0]!.input)).toEqual({ a: [1, 2], b: ['x', 'y, z'], c: [2.5, 3] });
    expect(columns(batches[1]!.input)).toEqual({ a: [3, 4], b: ['q "u"\nv', 'w'], c: [NaN, 1000] });
    expect(columns(batches[2]!.input)).toEqual({ a: [5], b: [null], c: [7] });
  });

  it('CSV: cells take the schema types; a cell that does not fit names its row', async () => {
    const schema = {
      schema: columnSchema([
        { name: 'n', type: 'long', required: true },
        { name: 's', type: 'string', required: true },
        { name: 'f', type: 'float', required: true },
      ]),
    };
    const [batch] = await batchesOf(chunks('n,s,f\n1,007,0.5\n2,,2\n'), 'csv', 10, schema);
    expect(columns(batch!.input)).toEqual({ n: [1, 2], s: ['007', ''], f: [0.5, 2] });
    expect(frame(batch!.input).data[2]).toBeInstanceOf(Float32Array);

    const bad = batchesOf(chunks('n,s,f\n1,a,1\n2,b,2\n3,c,x\n4,d,4\n'), 'csv', 2, schema);
    await expect(bad).rejects.toThrow(new RowError(3, "could not convert string to float: 'x'"));
    await expect(batchesOf(chunks('n,s,f\n1,a,1\n2,b,2,9\n'), 'csv', 5)).rejects.toThrow(
      "row 2: expected 3 fields (the header's), found 4",
    );
  });

  it('CSV: a header and no rows is no batch', async () => {
    expect(await batchesOf(chunks('a,b\n'), 'csv', 5)).toEqual([]);
    expect(await batchesOf(chunks(''), 'csv', 5)).toEqual([]);
  });

  it('JSON Lines: one record a line, lines and characters cut across chunks, blank lines skipped', async () => {
    const euro = Buffer.from('{"k": "€"}\n');
    const stream = chunks(
      '{"a": 1}\n\n  \n{"a"',
      ': 2, "b": [1]}\r\n',
      euro.subarray(0, 9),
      euro.subarray(9),
      '{"a": 4}',
    );
    const batches = await batchesOf(stream, 'jsonl', 3);
    expect(batches.map((b) => [b.firstRow, b.rows])).toEqual([
      [1, 3],
      [4, 1],
    ]);
    expect(columns(batches[0]!.input)).toEqual({
      a: [1, 2, null],
      b: [null, [1], null],
      k: [null, null, '€'],
    });
    expect(columns(batches[1]!.input)).toEqual({ a: [4] });
  });

  it('JSON Lines: a line that is not a JSON object names its row', async () => {
    await expect(batchesOf(chunks('{"a": 1}\n{"a": 2\n'), 'jsonl', 10)).rejects.toThrow(
      /^row 2: not valid JSON/,
    );
    await expect(batchesOf(chunks('{"a": 1}\n\n[1, 2]\n'), 'jsonl', 10)).rejects.toThrow(
      'row 2: expected a JSON object (a record of column values), found an array',
    );
  });

  it('JSON: an array of records, or a scoring payload cut into batches with its params', async () => {
    const records = await batchesOf(chunks('[{"a": 1}, {"a": 2}, {"a": 3}]'), 'json', 2);
    expect(records.map((b) => [b.firstRow, columns(b.input)])).toEqual([
      [1, { a: [1, 2] }],
      [3, { a: [3] }],
    ]);
    const split = await batchesOf(
      chunks(
        '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, "x"], [2, "y"], [3, "z"]]}, "params": {"k": 1}}',
      ),
      'json',
      2,
    );
    expect(split.map((b) => [b.firstRow, b.rows, columns(b.input), b.params])).toEqual([
      [1, 2, { a: [1, 2], b: ['x', 'y'] }, { k: 1 }],
      [3, 1, { a: [3], b: ['z'] }, { k: 1 }],
    ]);
    const [instances] = await batchesOf(chunks('{"instances": [[1, 2], [3, 4], [5, 6]]}'), 'json', 2);
    expect(instances).toMatchObject({ firstRow: 1, rows: 3, input: { kind: 'tensor', shape: [3, 2] } });

    await expect(batchesOf(chunks('[{"a": 1}, 7]'), 'json', 2)).rejects.toThrow(
      'row 2: expected a JSON object',
    );
    await expect(batchesOf(chunks('{"a": '), 'json', 2)).rejects.toThrow('the input is not valid JSON');
    await expect(batchesOf(chunks('{"rows": []}'), 'json', 2)).rejects.toThrow(
      'The input must be a JSON dictionary with exactly one of the input fields',
    );
  });
});

describe('predict-io predictBatch', () => {
  const batch = (values: unknown[], firstRow = 1001): InputBatch => ({
    firstRow,
    rows: values.length,
    input: dataFrame({ a: values }),
  });
  /** Fails on any batch holding a negative value; records the sizes it was asked about. */
  const picky = () => {
    const sizes: number[] = [];
    return {
      sizes,
      async predict(input: ModelInput) {
        const values = frame(input).data[0] as number[];
        sizes.push(values.length);
        const bad = values.find((v) => v < 0);
        if (bad !== undefined) throw new Error(`negative value ${bad}`);
        return values.map((v) => v * 2);
      },
    };
  };

  it('returns the output of a batch that predicts', async () => {
    const model = picky();
    expect(await predictBatch(model, batch([1, 2, 3]))).toEqual([2, 4, 6]);
    expect(model.sizes).toEqual([3]);
  });

  it('finds the first failing row of a failing batch by halves, with the model error of that row', async () => {
    const model = picky();
    const values = Array.from({ length: 1000 }, (_, i) => (i === 637 || i === 900 ? -i : i));
    await expect(predictBatch(model, batch(values))).rejects.toThrow(
      new RowError(1638, 'negative value -637'),
    );
    // The whole batch, then about two predictions per halving (log2 1000 ≈ 10), not one per row.
    expect(model.sizes.length).toBeLessThan(25);
  });

  it('names the batch when no single row fails', async () => {
    const model = {
      async predict(input: ModelInput) {
        if ((frame(input).data[0] as unknown[]).length > 2) throw new Error('too big');
        return [];
      },
    };
    await expect(predictBatch(model, batch([1, 2, 3, 4], 5))).rejects.toThrow('rows 5-8: too big');
  });
});

/** A writable that collects what it gets slowly, with a tiny buffer, so writers must wait for drain. */
function slowSink() {
  const parts: string[] = [];
  let drains = 0;
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _encoding, done) {
      parts.push(chunk.toString());
      setTimeout(done, 1);
    },
  });
  stream.on('drain', () => drains++);
  return {
    stream,
    drains: () => drains,
    /** Everything written, once the stream has taken it all. */
    async text() {
      stream.end();
      await finished(stream);
      return parts.join('');
    },
  };
}

const rowsOf = (n: number, firstRow = 1) => ({ firstRow, rows: n });

describe('predict-io writers', () => {
  const df = dataFrame({ label: ['a', 'b, "c"'], p: new Float64Array([0.25, 1]), ok: [true, false] });

  it('jsonl: one JSON value a row, for data frames, lists, tensors and named tensors', async () => {
    const sink = slowSink();
    const writer = predictionWriter(sink.stream, 'jsonl');
    await writer.write(df, rowsOf(2));
    await writer.write(['x', 'y'], rowsOf(2, 3));
    await writer.write(tensor('int64', [2, 2], [1n, 2n, 3n, 4n]), rowsOf(2, 5));
    await writer.write(tensors({ s: tensor('float32', [2], [0.5, 1.5]) }), rowsOf(2, 7));
    await writer.write({ a: [1, 2], b: ['u', 'v'] }, rowsOf(2, 9));
    await writer.end();
    expect(writer.count).toBe(10);
    expect(sink.drains()).toBeGreaterThan(0);
    expect(jsonLines(await sink.text())).toEqual([
      { label: 'a', p: 0.25, ok: true },
      { label: 'b, "c"', p: 1, ok: false },
      'x',
      'y',
      [1, 2],
      [3, 4],
      { s: 0.5 },
      { s: 1.5 },
      { a: 1, b: 'u' },
      { a: 2, b: 'v' },
    ]);
  });

  it('json: the opening, the items batch by batch, the closing', async () => {
    const sink = slowSink();
    const writer = predictionWriter(sink.stream, 'json');
    await writer.write([1, 2], rowsOf(2));
    await writer.write([3], rowsOf(1, 3));
    await writer.end();
    expect(await sink.text()).toBe('{"predictions": [\n1,\n2,\n3\n]}\n');

    const empty = slowSink();
    await predictionWriter(empty.stream, 'json').end();
    expect(JSON.parse(await empty.text())).toEqual({ predictions: [] });
  });

  it('csv: a data frame keeps its columns; cells quoted as needed; the header written once', async () => {
    const sink = slowSink();
    const writer = predictionWriter(sink.stream, 'csv');
    await writer.write(df, rowsOf(2));
    await writer.write(dataFrame({ ok: [true], label: ['z'], p: [NaN] }), rowsOf(1, 3));
    await writer.end();
    expect(await sink.text()).toBe('label,p,ok\na,0.25,true\n"b, ""c""",1,false\nz,NaN,true\n');
  });

  it('csv: a 1-D tensor is `prediction`, a 2-D one `prediction_0..k`, named tensors by name, records by key', async () => {
    const csvOf = async (output: unknown, rows: number) => {
      const sink = slowSink();
      const writer = predictionWriter(sink.stream, 'csv');
      await writer.write(output, rowsOf(rows));
      await writer.end();
      return await sink.text();
    };
    expect(await csvOf(tensor('float32', [2], [0.5, 2]), 2)).toBe('prediction\n0.5\n2\n');
    expect(await csvOf(tensor('float64', [2, 3], [1, 2, 3, 4, 5, 6]), 2)).toBe(
      'prediction_0,prediction_1,prediction_2\n1,2,3\n4,5,6\n',
    );
    expect(
      await csvOf(
        tensors({
          label: tensor('int64', [2], [1n, 0n]),
          proba: tensor('float32', [2, 2], [0.25, 0.75, 1, 0]),
        }),
        2,
      ),
    ).toBe('label,proba_0,proba_1\n1,0.25,0.75\n0,1,0\n');
    expect(await csvOf([{ a: 1 }, { a: 2, b: { c: [1] } }], 2)).toBe('a,b\n1,\n2,"{""c"":[1]}"\n');
    expect(await csvOf(['x', 'y'], 2)).toBe('prediction\nx\ny\n');
    expect(
      await csvOf(
        [
          [1, 2],
          [3, 4],
        ],
        2,
      ),
    ).toBe('prediction_0,prediction_1\n1,2\n3,4\n');
  });

  it('csv: a later batch with a column the header lacks is an error, not a shifted table', async () => {
    const writer = predictionWriter(slowSink().stream, 'csv');
    await writer.write([{ a: 1 }], rowsOf(1));
    await expect(writer.write([{ a: 2, b: 3 }], rowsOf(1, 2))).rejects.toThrow(
      "row 2: the predictions have columns 'b' the first batch did not have",
    );
  });

  it('a prediction count other than the row count, or an output without rows, is an error', async () => {
    for (const format of ['csv', 'json', 'jsonl'] as const) {
      const writer = predictionWriter(slowSink().stream, format);
      await expect(writer.write([1, 2], rowsOf(3, 11))).rejects.toThrow(
        'rows 11-13: the model returned 2 predictions for 3 rows',
      );
      await expect(writer.write(42, rowsOf(3, 11))).rejects.toThrow(
        'rows 11-13: the model returned a number, which has no rows',
      );
      await expect(writer.write(tensor('float32', [], [1]), rowsOf(1))).rejects.toThrow(
        'row 1: the model returned a scalar tensor, which has no rows',
      );
    }
  });

  it('a stream error reaches the writer', async () => {
    const broken = new Writable({
      write(_chunk, _encoding, done) {
        done(new Error('disk full'));
      },
    });
    const writer = predictionWriter(broken, 'jsonl');
    await expect(
      (async () => {
        for (let i = 0; i < 5; i++) await writer.write(['x'], rowsOf(1, i + 1));
      })(),
    ).rejects.toThrow('disk full');
  });
});
