import type { DataFrame } from './data-frame.js';
import type { Tensor, TensorMap } from './tensor.js';

/**
 * What a model is asked to predict on: the three input shapes of MLflow's pyfunc that Ferry serves —
 * a data frame, one tensor (numpy's ndarray) or named tensors (a dict of ndarrays).
 */
export type ModelInput = DataFrame | Tensor | TensorMap;

/**
 * What a model returns: one of the input shapes (a data frame of output columns, a tensor, named
 * tensors) or any JSON-like value (a list of labels, a dict) from a `js_function` model.
 */
export type ModelOutput = ModelInput | unknown;

/** True for a DataFrame, Tensor or TensorMap. */
export function isModelInput(value: unknown): value is ModelInput {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'dataframe' || kind === 'tensor' || kind === 'tensors';
}

/** `str(type(x))` of the Python value an input stands for, as MLflow's messages print it. */
export function pyInputClass(input: ModelInput): string {
  switch (input.kind) {
    case 'dataframe':
      return "<class 'pandas.core.frame.DataFrame'>";
    case 'tensor':
      return "<class 'numpy.ndarray'>";
    case 'tensors':
      return "<class 'dict'>";
  }
}
