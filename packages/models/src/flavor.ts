import type { FlavorConfig, ModelConfig } from './model-config.js';
import type { ModelInput, ModelOutput } from './model-input.js';

/** A loaded model of one flavor. Inputs arrive already enforced against the signature. */
export interface Scorer {
  /** `params` are the enforced inference params (`{}` when the model declares none). */
  predict(input: ModelInput, params: Record<string, unknown>): Promise<ModelOutput>;
  /** Releases native sessions or other resources. */
  close?(): Promise<void>;
}

/** What saving a flavor produced, for `saveModel` to record. */
export interface SavedFlavor {
  /** Blocks to add under `flavors` in `MLmodel` (one flavor may write several, e.g. onnx + python_function). */
  flavors: Record<string, FlavorConfig>;
  /**
   * Environment files (name → content) written after the model's size is measured, as MLflow writes
   * `conda.yaml`, `python_env.yaml` and `requirements.txt` after `model_size_bytes`.
   */
  environmentFiles?: Record<string, string>;
}

/**
 * One model format Ferry can save and serve. `save` writes the flavor's files into a model directory
 * and returns its `MLmodel` blocks; `load` turns a directory whose config `canLoad` accepts into a
 * Scorer.
 */
export interface Flavor<Spec = unknown> {
  /** The key of the flavor's block under `flavors`. */
  readonly name: string;
  save(spec: Spec, dir: string): Promise<SavedFlavor>;
  canLoad(config: ModelConfig): boolean;
  load(dir: string, config: ModelConfig): Promise<Scorer>;
}
