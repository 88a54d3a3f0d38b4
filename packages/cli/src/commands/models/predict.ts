import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Transform, pipeline } from 'node:stream';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { LoadedModel } from '@ferry/models';
import { sessionFor } from '../../tracking.js';
import {
  formatOfPath,
  parseFormat,
  predictBatch,
  predictionWriter,
  readRecordBatches,
} from './predict-io.js';
import type { DataFormat } from './predict-io.js';
import { positiveInteger } from './shared.js';

interface PredictOpts {
  model: string;
  input: string;
  output: string;
  format?: DataFormat;
  outputFormat?: DataFormat;
  batchSize: number;
  progress: boolean;
  trackingUri?: string;
}

/**
 * `ferry models predict -m <model-uri> -i <input> -o <output>`: batch predictions over a CSV, JSON or
 * JSON Lines file (or standard input), streamed a batch at a time so a file of any size fits in memory.
 */
export function addPredictCommand(cmd: Command): void {
  cmd
    .command('predict')
    .description('Predict on every row of a CSV, JSON or JSON Lines file, streaming it in batches')
    .requiredOption(
      '-m, --model <model-uri>',
      'models:/name@alias, models:/name/<version|stage|latest>, runs:/..., a path',
    )
    .requiredOption('-i, --input <path>', "the rows to predict on: .csv, .json or .jsonl; '-' reads stdin")
    .option('-o, --output <path>', "where predictions go: .csv, .json or .jsonl; '-' writes stdout", '-')
    .option(
      '--format <format>',
      'input format: csv, json or jsonl (default: from the extension)',
      parseFormat,
    )
    .option(
      '--output-format <format>',
      'output format: csv, json or jsonl (default: from the extension; jsonl on stdout)',
      parseFormat,
    )
    .option('--batch-size <n>', 'rows per prediction', positiveInteger('batch size'), 1000)
    .option('--no-progress', 'no progress bar on standard error')
    .option(
      '--tracking-uri <uri>',
      'server URL or database URI (default: FERRY_TRACKING_URI, MLFLOW_TRACKING_URI)',
    )
    .action(async (opts: PredictOpts) => {
      const fromStdin = opts.input === '-';
      if (fromStdin && opts.format === undefined) {
        throw new Error('--format is required when the input is standard input (-i -)');
      }
      const inputFormat = opts.format ?? formatOfPath(opts.input, 'input');
      const toStdout = opts.output === '-';
      const outputFormat = opts.outputFormat ?? (toStdout ? 'jsonl' : formatOfPath(opts.output, 'output'));
      const inputSize = fromStdin ? undefined : await inputFileSize(opts.input);
      if (!toStdout && !existsSync(dirname(resolve(opts.output)))) {
        throw new Error(`the output's folder '${dirname(opts.output)}' does not exist`);
      }

      const session = sessionFor(opts);
      let model: LoadedModel | undefined;
      try {
        model = await session.loadModel(modelLocation(opts.model));
        const out = toStdout ? undefined : resolve(opts.output);
        const partial = out === undefined ? undefined : `${out}.partial`;
        const sink: Writable = partial === undefined ? process.stdout : createWriteStream(partial);
        const progress = progressBar(opts.progress && process.stderr.isTTY === true, inputSize);
        const started = performance.now();
        let rows = 0;
        let bytes = 0;
        try {
          const counter = new Transform({
            transform(chunk: Buffer, _encoding, done) {
              bytes += chunk.length;
              done(null, chunk);
            },
          });
          const source: Readable = fromStdin ? process.stdin : createReadStream(opts.input);
          // A read error reaches the reader through the counter; stopping early closes the file.
          pipeline(source, counter, () => {});
          const writer = predictionWriter(sink, outputFormat);
          const batches = readRecordBatches(counter, inputFormat, opts.batchSize, {
            schema: model.signature?.inputs,
          });
          for await (const batch of batches) {
            await writer.write(await predictBatch(model, batch), batch);
            rows = writer.count;
            progress.update(rows, bytes, performance.now() - started);
          }
          await writer.end();
          if (partial !== undefined) {
            sink.end();
            await finished(sink);
            await rename(partial, out!);
          }
        } catch (error) {
          if (partial !== undefined) {
            // Once the file is closed (its opening may still be under way), it is removed.
            sink.destroy();
            await finished(sink).catch(() => {});
            await rm(partial, { force: true });
          }
          throw error;
        } finally {
          progress.stop();
        }
        const seconds = (performance.now() - started) / 1000;
        console.error(
          `ferry models predict: ${rows} row${rows === 1 ? '' : 's'} in ${seconds.toFixed(1)} s ` +
            `(${Math.round(rows / Math.max(seconds, 1e-3))} rows/s)${out !== undefined ? `, written to ${opts.output}` : ''}`,
        );
      } finally {
        await model?.close();
        await session.close();
      }
    });
}

/** A path on disk loads as a path (relative ones too); anything else is a model URI for the session. */
function modelLocation(uri: string): string {
  return !/^[a-z][a-z0-9+.-]*:/i.test(uri) && existsSync(uri) ? resolve(uri) : uri;
}

async function inputFileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error(`input '${path}' is not a file`);
    return info.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`input file '${path}' does not exist`);
    }
    throw error;
  }
}

/**
 * A progress bar on standard error: rows done and rows/s, and for a file how far through it the
 * reading is (bytes read of its size, so no pass over the file beforehand).
 */
function progressBar(
  enabled: boolean,
  totalBytes: number | undefined,
): { update(rows: number, bytes: number, ms: number): void; stop(): void } {
  if (!enabled) return { update() {}, stop() {} };
  const known = totalBytes !== undefined && totalBytes > 0;
  const bar = new SingleBar({
    format: known
      ? 'predicting [{bar}] {percentage}% | {rows} rows | {rate} rows/s'
      : 'predicting {rows} rows | {rate} rows/s',
    stream: process.stderr,
    hideCursor: true,
  });
  bar.start(known ? totalBytes : 1, 0, { rows: 0, rate: 0 });
  return {
    update(rows, bytes, ms) {
      const payload = { rows, rate: Math.round(rows / Math.max(ms / 1000, 1e-3)) };
      if (known) bar.update(Math.min(bytes, totalBytes), payload);
      else bar.update(payload);
    },
    stop() {
      bar.stop();
    },
  };
}
