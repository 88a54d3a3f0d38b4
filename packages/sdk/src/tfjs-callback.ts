import type { ActiveRun } from './active-run.js';

/** The slice of a TensorFlow.js model the callback reads. */
interface TfModel {
  optimizer?: { getClassName(): string; getConfig?(): Record<string, unknown> };
  summary(lineLength?: number, positions?: number[], printFn?: (message?: unknown) => void): void;
}

/** The slice of the `@tensorflow/tfjs` module the callback needs: its Callback base class. */
export interface TfModule {
  Callback: abstract new () => {
    params: Record<string, unknown>;
    model: unknown;
  };
}

type Logs = Record<string, number | { dataSync(): ArrayLike<number> }> | undefined;

const scalar = (v: number | { dataSync(): ArrayLike<number> }): number =>
  typeof v === 'number' ? v : Number(v.dataSync()[0]);

/**
 * A `model.fit` callback that logs to `run`: the optimizer, its learning rate, epochs and batch size
 * as params when training begins, every epoch's logs (loss, metrics, validation) as metrics at that
 * epoch's step, and the model summary as the artifact `model_summary.txt`. Pass your `tf` module so
 * the SDK itself does not depend on TensorFlow.js:
 *
 *     await model.fit(xs, ys, { epochs: 10, batchSize: 32, callbacks: [ferryCallback(tf, run)] });
 *
 * The returned object extends `tf.Callback`; each epoch waits for its metrics to be queued (not sent).
 */
export function ferryCallback<T extends TfModule>(tf: T, run: ActiveRun): InstanceType<T['Callback']> {
  class FerryCallback extends tf.Callback {
    async onTrainBegin(): Promise<void> {
      const model = this.model as TfModel;
      const params: Record<string, string | number> = {};
      if (typeof this.params.epochs === 'number') params.epochs = this.params.epochs;
      if (typeof this.params.batchSize === 'number') params.batch_size = this.params.batchSize;
      if (model.optimizer) {
        params.optimizer_name = model.optimizer.getClassName();
        const config = model.optimizer.getConfig?.() ?? {};
        const lr = config.learningRate ?? config.learning_rate;
        if (typeof lr === 'number') params.learning_rate = lr;
      }
      await run.logParams(params);
      const lines: string[] = [];
      model.summary(undefined, undefined, (line) => lines.push(String(line ?? '')));
      await run.logText(`${lines.join('\n')}\n`, 'model_summary.txt');
    }

    async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
      const values = Object.fromEntries(Object.entries(logs ?? {}).map(([k, v]) => [k, scalar(v)]));
      await run.logMetrics(values, { step: epoch });
    }
  }
  return new FerryCallback() as InstanceType<T['Callback']>;
}
