import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { columnSchema, saveModel, tensorSchema } from '@ferry/models';
import type { Signature } from '@ferry/models';
import { linearOnnxModel } from '../../models/test/helpers/onnx-linear.js';
import { loadModelSlot } from '../src/index.js';
import type { ModelSlot } from '../src/index.js';

/** One exchange recorded from a real `mlflow models serve` (see fixtures/mlflow-serving-exchanges.json). */
export interface Exchange {
  title: string;
  request: { method: string; path: string; headers: Record<string, string>; body?: string };
  response: { status: number; headers: Record<string, string>; body: string };
}

export async function exchanges(): Promise<Exchange[]> {
  const path = join(import.meta.dirname, 'fixtures', 'mlflow-serving-exchanges.json');
  return (JSON.parse(await readFile(path, 'utf8')) as { exchanges: Exchange[] }).exchanges;
}

export async function exchange(title: string): Promise<Exchange> {
  const found = (await exchanges()).find((e) => e.title === title);
  if (found === undefined) throw new Error(`no recorded exchange '${title}'`);
  return found;
}

/** Saves a js_function model whose module is `source`. */
async function jsModel(dir: string, source: string, signature?: Signature): Promise<string> {
  const src = join(dir, '..', `${dir.split('/').pop()}-src`);
  await mkdir(src, { recursive: true });
  const module = join(src, 'predict.js');
  await writeFile(module, source);
  await saveModel(dir, { flavor: 'js', module }, signature ? { signature } : {});
  return dir;
}

/**
 * The recorded MLflow model's interface: a:double, b:double → long, answering 1 when a > b (the
 * recorded LogisticRegression's predictions on the recorded rows).
 */
export const LOGISTIC_SIGNATURE: Signature = {
  inputs: columnSchema([
    { name: 'a', type: 'double', required: true },
    { name: 'b', type: 'double', required: true },
  ]),
  outputs: columnSchema([{ type: 'long', required: true }]),
};

export function logisticModel(dir: string): Promise<string> {
  return jsModel(
    dir,
    `export function predict(input) {
  const a = input.data[input.columns.indexOf('a')];
  const b = input.data[input.columns.indexOf('b')];
  const data = BigInt64Array.from({ length: a.length }, (_, r) => (Number(a[r]) > Number(b[r]) ? 1n : 0n));
  return { kind: 'tensor', dtype: 'int64', shape: [a.length], data };
}
`,
    LOGISTIC_SIGNATURE,
  );
}

/** Returns its input unchanged (no signature): any tensors in, the same tensors out. */
export function echoModel(dir: string): Promise<string> {
  return jsModel(dir, `export const predict = (input) => input;\n`);
}

/** Throws a plain Error (not a Ferry error) on every prediction. */
export function brokenModel(dir: string): Promise<string> {
  return jsModel(dir, `export function predict() {\n  throw new Error('boom');\n}\n`);
}

/** A gate the `gatedModel`s wait on, shared through globalThis. */
export interface Gate {
  promise: Promise<void>;
  open: () => void;
  /** How many predictions are waiting. */
  waiting: number;
}

export function newGate(key: string): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  const gate: Gate = { promise, open, waiting: 0 };
  (globalThis as Record<string, unknown>)[key] = gate;
  return gate;
}

/**
 * Predicts `answer` for every row, after waiting on the gate `globalThis[gateKey]` (when there is
 * one): lets a test hold requests in flight while it swaps the model.
 */
export function gatedModel(dir: string, answer: number, gateKey: string): Promise<string> {
  return jsModel(
    dir,
    `export async function predict(input) {
  const gate = globalThis[${JSON.stringify(gateKey)}];
  if (gate) {
    gate.waiting++;
    await gate.promise;
  }
  const rows = input.data[0].length;
  return { kind: 'tensor', dtype: 'float64', shape: [rows], data: Float64Array.from({ length: rows }, () => ${answer}) };
}
`,
    { inputs: columnSchema([{ name: 'a', type: 'double', required: true }]) },
  );
}

/** The linear ONNX model y = x·[1,2,3,4] + 0.5, x float32 [-1, 4] → y float32 [-1, 1]. */
export async function onnxLinearModel(dir: string): Promise<string> {
  await saveModel(
    dir,
    { flavor: 'onnx', onnx: linearOnnxModel() },
    {
      signature: {
        inputs: tensorSchema([{ name: 'x', dtype: 'float32', shape: [-1, 4] }]),
        outputs: tensorSchema([{ name: 'y', dtype: 'float32', shape: [-1, 1] }]),
      },
    },
  );
  return dir;
}

export async function slot(name: string, version: string | undefined, path: string): Promise<ModelSlot> {
  const loaded = await loadModelSlot({ name, ...(version === undefined ? {} : { version }), path });
  if (loaded.model === undefined) throw new Error(`model ${name} failed to load: ${loaded.error}`);
  return loaded;
}
