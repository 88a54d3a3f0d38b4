import type {
  Column,
  DataFrame,
  LoadedModel,
  ModelInput,
  ModelOutput,
  NumericTypedArray,
  Tensor,
} from '@ferry/models';
import { isModelInput, makeDataFrame, rowCount } from '@ferry/models';

export interface BatchingOptions {
  /** Most rows one model call takes (a single request larger than this still goes alone). */
  maxBatchSize: number;
  /** Longest a request waits for others to join its batch, in milliseconds. */
  maxWaitMs: number;
}

interface Pending {
  input: ModelInput;
  params: Record<string, unknown> | undefined;
  rows: number;
  resolve: (output: ModelOutput) => void;
  reject: (error: unknown) => void;
}

interface Queue {
  pending: Pending[];
  rows: number;
  timer?: NodeJS.Timeout;
  immediate?: NodeJS.Immediate;
}

/**
 * Wraps a model so that concurrent requests are predicted together: requests with the same columns
 * (or tensor names, dtypes and inner shapes) and the same params are stacked row-wise into one call
 * and the output is cut back into each request's rows.
 *
 * Adaptive: a model with nothing in flight takes what has arrived in the current turn of the event
 * loop at once, so a lone request never waits; while a batch is being predicted, newcomers queue and
 * go as the next batch when it ends, or after `maxWaitMs`, or as soon as `maxBatchSize` rows wait.
 *
 * A batch whose call fails, or whose output cannot be cut into rows (a model answering one value for
 * the whole input), is predicted again request by request, so each request gets its own answer or
 * error: batching never changes what a client receives.
 */
export function batchingModel(model: LoadedModel, options: BatchingOptions): LoadedModel {
  const queues = new Map<string, Queue>();
  let inFlight = 0;

  const flush = (key: string): void => {
    const queue = queues.get(key);
    if (queue === undefined || queue.pending.length === 0) return;
    clearTimeout(queue.timer);
    if (queue.immediate) clearImmediate(queue.immediate);
    queue.timer = queue.immediate = undefined;
    const batch: Pending[] = [];
    let rows = 0;
    while (
      queue.pending.length > 0 &&
      (batch.length === 0 || rows + queue.pending[0]!.rows <= options.maxBatchSize)
    ) {
      const next = queue.pending.shift()!;
      batch.push(next);
      rows += next.rows;
    }
    queue.rows -= rows;
    inFlight++;
    if (queue.pending.length === 0) queues.delete(key);
    else schedule(key, queue);
    void run(batch).finally(() => {
      inFlight--;
      // What queued while this batch ran goes next.
      for (const waiting of [...queues.keys()]) flush(waiting);
    });
  };

  const schedule = (key: string, queue: Queue): void => {
    if (queue.rows >= options.maxBatchSize) {
      queue.immediate ??= setImmediate(() => flush(key));
      return;
    }
    if (inFlight === 0) queue.immediate ??= setImmediate(() => flush(key));
    queue.timer ??= setTimeout(() => flush(key), options.maxWaitMs);
  };

  const run = async (batch: Pending[]): Promise<void> => {
    if (batch.length === 1) {
      const [only] = batch as [Pending];
      await model.predict(only.input, only.params).then(only.resolve, only.reject);
      return;
    }
    let parts: ModelOutput[] | undefined;
    try {
      const output = await model.predict(concatInputs(batch.map((p) => p.input)), batch[0]!.params);
      parts = splitOutput(
        output,
        batch.map((p) => p.rows),
      );
    } catch {
      parts = undefined;
    }
    if (parts !== undefined) {
      batch.forEach((p, i) => p.resolve(parts[i]));
      return;
    }
    await Promise.all(batch.map((p) => model.predict(p.input, p.params).then(p.resolve, p.reject)));
  };

  return {
    config: model.config,
    flavor: model.flavor,
    signature: model.signature,
    predict(input, params) {
      const shape = batchShape(input, params);
      if (shape === undefined) return model.predict(input, params);
      return new Promise<ModelOutput>((resolve, reject) => {
        let queue = queues.get(shape.key);
        if (queue === undefined) queues.set(shape.key, (queue = { pending: [], rows: 0 }));
        queue.pending.push({ input, params, rows: shape.rows, resolve, reject });
        queue.rows += shape.rows;
        schedule(shape.key, queue);
      });
    },
    close: () => model.close(),
  };
}

/** What requests must share to be stacked, and the rows this one brings; undefined: not batchable. */
function batchShape(
  input: ModelInput,
  params: Record<string, unknown> | undefined,
): { key: string; rows: number } | undefined {
  let paramsKey: string;
  try {
    paramsKey = JSON.stringify(params ?? null);
  } catch {
    return undefined; // e.g. BigInt params: predicted alone
  }
  if (!isModelInput(input)) return undefined;
  if (input.kind === 'dataframe') {
    const rows = rowCount(input);
    if (rows === 0 || input.columns.length === 0) return undefined;
    const types = input.data.map(arrayKind).join(',');
    return { key: `frame\u0000${input.columns.join('\u0001')}\u0000${types}\u0000${paramsKey}`, rows };
  }
  const named = input.kind === 'tensor' ? [['', input] as const] : Object.entries(input.tensors);
  if (named.length === 0) return undefined;
  const rows = named[0]![1].shape[0];
  if (rows === undefined || rows === 0 || named.some(([, t]) => t.shape[0] !== rows)) return undefined;
  const tensors = named.map(
    ([name, t]) => `${name}:${t.dtype}:${t.shape.slice(1).join('x')}:${arrayKind(t.data)}`,
  );
  return { key: `${input.kind}\u0000${tensors.join('\u0001')}\u0000${paramsKey}`, rows };
}

const arrayKind = (data: Column): string => (Array.isArray(data) ? 'list' : data.constructor.name);

function concatInputs(inputs: ModelInput[]): ModelInput {
  const first = inputs[0]!;
  if (first.kind === 'dataframe') {
    const frames = inputs as DataFrame[];
    return makeDataFrame(
      first.columns,
      first.columns.map((_, c) => concatArrays(frames.map((f) => f.data[c]!))),
    );
  }
  if (first.kind === 'tensor') return concatTensors(inputs as Tensor[]);
  const maps = inputs.map((i) => (i as Extract<ModelInput, { kind: 'tensors' }>).tensors);
  return {
    kind: 'tensors',
    tensors: Object.fromEntries(
      Object.keys(maps[0]!).map((name) => [name, concatTensors(maps.map((m) => m[name]!))]),
    ),
  };
}

function concatTensors(parts: Tensor[]): Tensor {
  const first = parts[0]!;
  const rows = parts.reduce((n, t) => n + t.shape[0]!, 0);
  return {
    kind: 'tensor',
    dtype: first.dtype,
    shape: [rows, ...first.shape.slice(1)],
    data: concatArrays(parts.map((t) => t.data)),
  };
}

function concatArrays(parts: Column[]): Column {
  const first = parts[0]!;
  if (Array.isArray(first)) return ([] as unknown[]).concat(...(parts as unknown[][]));
  const typed = first as NumericTypedArray;
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new (typed.constructor as new (n: number) => NumericTypedArray)(total);
  let offset = 0;
  for (const p of parts as NumericTypedArray[]) {
    (out as Float64Array).set(p as Float64Array, offset);
    offset += p.length;
  }
  return out;
}

/** The output cut into consecutive runs of `rows`; undefined when it does not have one entry per row. */
function splitOutput(output: ModelOutput, rows: number[]): ModelOutput[] | undefined {
  const total = rows.reduce((a, b) => a + b, 0);
  const cut = <T>(slice: (start: number, end: number) => T): T[] => {
    let start = 0;
    return rows.map((n) => {
      const part = slice(start, start + n);
      start += n;
      return part;
    });
  };
  if (Array.isArray(output)) return output.length === total ? cut((a, b) => output.slice(a, b)) : undefined;
  if (!isModelInput(output)) return undefined;
  if (output.kind === 'dataframe') {
    if (rowCount(output) !== total) return undefined;
    return cut((a, b) =>
      makeDataFrame(
        output.columns,
        output.data.map((col) => col.slice(a, b)),
      ),
    );
  }
  if (output.kind === 'tensor')
    return output.shape[0] === total ? cut((a, b) => sliceTensor(output, a, b)) : undefined;
  const entries = Object.entries(output.tensors);
  if (entries.some(([, t]) => t.shape[0] !== total)) return undefined;
  return cut((a, b) => ({
    kind: 'tensors' as const,
    tensors: Object.fromEntries(entries.map(([name, t]) => [name, sliceTensor(t, a, b)])),
  }));
}

function sliceTensor(t: Tensor, start: number, end: number): Tensor {
  const inner = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return {
    kind: 'tensor',
    dtype: t.dtype,
    shape: [end - start, ...t.shape.slice(1)],
    data: t.data.slice(start * inner, end * inner),
  };
}
