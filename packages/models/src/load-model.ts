import { FerryError, invalidParam } from '@ferry/core';
import { describeInput } from './describe-input.js';
import { enforceParams } from './enforce-params.js';
import { enforceSchema } from './enforce-schema.js';
import type { Flavor } from './flavor.js';
import { JS_FLAVOR, jsFlavor } from './js-flavor.js';
import type { ModelConfig } from './model-config.js';
import { readModelConfig } from './model-config.js';
import type { ModelInput, ModelOutput } from './model-input.js';
import { isModelInput } from './model-input.js';
import { ONNX_FLAVOR, onnxFlavor } from './onnx-flavor.js';
import { pyList, pyStr } from './py-repr.js';
import type { Signature } from './schema.js';
import { schemaRepr } from './schema-repr.js';
import { SchemaEnforcementError } from './schema-error.js';
import { readSignature } from './signature.js';

/** The flavors Ferry loads, in order of preference. */
export const FLAVORS: readonly Flavor[] = [jsFlavor as Flavor, onnxFlavor as Flavor];

/** A model ready to predict: Ferry's counterpart of MLflow's `PyFuncModel`. */
export interface LoadedModel {
  readonly config: ModelConfig;
  /** The flavor the model was loaded with (`onnx`, `js_function`). */
  readonly flavor: string;
  readonly signature: Signature | undefined;
  /**
   * Predicts as `PyFuncModel.predict` does: the input is enforced against the signature's inputs (a
   * mismatch is a SchemaEnforcementError, INVALID_PARAMETER_VALUE `Failed to enforce schema of data
   * '<data>' with schema '<schema>'. Error: <reason>`), params against its params schema (params are
   * dropped when the model declares none), then the flavor predicts.
   */
  predict(input: ModelInput, params?: Record<string, unknown>): Promise<ModelOutput>;
  /** Releases the flavor's resources (e.g. the ONNX Runtime session). */
  close(): Promise<void>;
}

export interface LoadModelOptions {
  /** Flavors to try, in order; default FLAVORS. */
  flavors?: readonly Flavor[];
}

/**
 * Loads the model in a local directory with the first flavor that can load it. RESOURCE_DOES_NOT_EXIST
 * when there is no `MLmodel`; INVALID_PARAMETER_VALUE naming the model's flavors and Ferry's when none
 * fits (e.g. a scikit-learn model, whose only servable flavor is Python's).
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const config = await readModelConfig(dir);
  const flavors = options.flavors ?? FLAVORS;
  const flavor = flavors.find((f) => f.canLoad(config));
  if (flavor === undefined) throw unsupportedFlavors(dir, config, flavors);
  const signature = readSignature(config);
  const scorer = await flavor.load(dir, config);
  // Signatures MLflow derived from Python type hints are checked by the Python model itself.
  const inputs = config.is_signature_from_type_hint ? undefined : signature?.inputs;
  return {
    config,
    flavor: flavor.name,
    signature,
    async predict(input, params) {
      if (!isModelInput(input)) {
        throw invalidParam('Model input must be a DataFrame, a Tensor or a TensorMap');
      }
      let data = input;
      if (inputs) {
        try {
          data = enforceSchema(input, inputs);
        } catch (err) {
          if (!(err instanceof FerryError)) throw err;
          throw new SchemaEnforcementError(
            `Failed to enforce schema of data '${describeInput(input)}' with schema '${schemaRepr(inputs)}'. ` +
              `Error: ${err.message}`,
          );
        }
      }
      return scorer.predict(data, enforceParams(params, signature?.params));
    },
    close: async () => scorer.close?.(),
  };
}

function unsupportedFlavors(dir: string, config: ModelConfig, flavors: readonly Flavor[]): FerryError {
  const present = Object.keys(config.flavors);
  const loader = config.flavors['python_function']?.['loader_module'];
  const pyfunc = typeof loader === 'string' ? ` (python_function loader_module ${pyStr(loader)})` : '';
  const ours = flavors.map((f) => f.name);
  const onnxAlias = ours.includes(ONNX_FLAVOR) ? " or python_function with loader_module 'mlflow.onnx'" : '';
  return invalidParam(
    `Ferry cannot load the model at '${dir}': it has the flavors ${pyList(present)}${pyfunc}; ` +
      `Ferry loads ${pyList(ours)}${onnxAlias}.` +
      (ours.includes(JS_FLAVOR)
        ? ' Save the model as ONNX or as a js_function model to serve it with Ferry.'
        : ''),
  );
}
