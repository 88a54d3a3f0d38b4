import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError } from '@ferry/core';
import { enforceSchema } from './enforce-schema.js';
import type { Flavor } from './flavor.js';
import { inferParams, inferSchema } from './infer-signature.js';
import { saveInputExample } from './input-example.js';
import type { JsModelSpec } from './js-flavor.js';
import { jsFlavor } from './js-flavor.js';
import type { ModelConfig } from './model-config.js';
import { MLFLOW_VERSION, formatUtcTime, writeModelConfig } from './model-config.js';
import type { ModelInput } from './model-input.js';
import type { OnnxModelSpec } from './onnx-flavor.js';
import { onnxFlavor } from './onnx-flavor.js';
import type { Signature } from './schema.js';
import { validateSchema } from './schema-validate.js';
import { signatureToConfig } from './signature.js';

/** A model to save, by flavor. */
export type ModelSpec = OnnxModelSpec | JsModelSpec;

export interface SaveModelOptions {
  /** The signature to record; without one, it is inferred from `inputExample` when given. */
  signature?: Signature;
  /** An input example, saved as `input_example.json` + `serving_input_example.json`. */
  inputExample?: ModelInput;
  /** Inference params saved with the example (MLflow's `(input, params)` example tuple). */
  inputExampleParams?: Record<string, unknown>;
  /** Free-form `metadata`. */
  metadata?: Record<string, unknown>;
  /** The run the model belongs to (`run_id`). */
  runId?: string;
  /** `artifact_path`: the run-relative path (2.x) or the logged model's artifact URI (3.x). */
  artifactPath?: string;
  /** The MLflow 3 logged model id (`m-…`); also the `model_uuid`, as MLflow 3 writes it. */
  modelId?: string;
  /** Creation time; default now. */
  createdAt?: Date;
}

const FLAVOR_OF: Record<ModelSpec['flavor'], Flavor<never>> = { onnx: onnxFlavor, js: jsFlavor };

/**
 * Saves a model directory the way MLflow's `save_model` lays it out: the flavor's files, the input
 * example, then `MLmodel` (with `model_size_bytes` measured over everything but the environment
 * files, as MLflow measures it), then the environment files. Returns the config written.
 *
 * Without a signature but with an input example, the input schema (and params schema) is inferred from
 * the example and the output schema from the saved model's prediction on it, as MLflow 3 does for most
 * flavors; if that prediction fails, only the inputs are recorded.
 *
 * RESOURCE_ALREADY_EXISTS when `dir` exists and is not empty; INVALID_PARAMETER_VALUE for an invalid
 * signature or example. On failure, a directory this call created is removed.
 */
export async function saveModel(
  dir: string,
  model: ModelSpec,
  options: SaveModelOptions = {},
): Promise<ModelConfig> {
  const entries = await readdir(dir).catch(() => undefined);
  if (entries !== undefined && entries.length > 0) {
    throw new FerryError('RESOURCE_ALREADY_EXISTS', `Path '${dir}' already exists and is not empty`);
  }
  await mkdir(dir, { recursive: true });
  try {
    return await writeModel(dir, model, options);
  } catch (err) {
    if (entries === undefined) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function writeModel(dir: string, model: ModelSpec, options: SaveModelOptions): Promise<ModelConfig> {
  const { inputExample, inputExampleParams } = options;
  const flavor = FLAVOR_OF[model.flavor] as Flavor<ModelSpec>;
  let signature = options.signature;
  if (signature === undefined && inputExample !== undefined) {
    signature = {
      inputs: inferSchema(inputExample),
      ...(inputExampleParams ? { params: inferParams(inputExampleParams) } : {}),
    };
  }
  for (const schema of [signature?.inputs, signature?.outputs]) if (schema) validateSchema(schema);

  const example = inputExample
    ? await saveInputExample(dir, inputExample, {
        ...(inputExampleParams ? { params: inputExampleParams } : {}),
        ...(signature?.inputs ? { schema: signature.inputs } : {}),
      })
    : undefined;
  const saved = await flavor.save(model, dir);
  if (options.signature === undefined && inputExample !== undefined && signature?.inputs) {
    const outputs = await inferOutputs(flavor, dir, saved.flavors, inputExample, signature);
    if (outputs) signature = { ...signature, outputs };
  }

  const config: ModelConfig = {
    ...(options.artifactPath === undefined ? {} : { artifact_path: options.artifactPath }),
    ...(options.runId === undefined ? {} : { run_id: options.runId }),
    flavors: saved.flavors,
    mlflow_version: MLFLOW_VERSION,
    model_id: options.modelId ?? null,
    model_uuid: options.modelId ?? randomUUID().replaceAll('-', ''),
    prompts: null,
    utc_time_created: formatUtcTime(options.createdAt ?? new Date()),
    ...(signature
      ? {
          signature: signatureToConfig(signature),
          is_signature_from_type_hint: false,
          type_hint_from_example: false,
        }
      : {}),
    ...(example ? { saved_input_example_info: example } : {}),
    ...(options.metadata ? { metadata: options.metadata } : {}),
  };
  const size = await totalSize(dir);
  if (size > 0) config.model_size_bytes = size;
  await writeModelConfig(dir, config);
  for (const [name, content] of Object.entries(saved.environmentFiles ?? {})) {
    await writeFile(join(dir, name), content);
  }
  return config;
}

/** The output schema of the saved model's prediction on the example, or undefined when it fails. */
async function inferOutputs(
  flavor: Flavor<ModelSpec>,
  dir: string,
  flavors: ModelConfig['flavors'],
  example: ModelInput,
  signature: Signature,
): Promise<Signature['outputs']> {
  const config = { flavors, utc_time_created: '' } satisfies ModelConfig;
  const scorer = await flavor.load(dir, config);
  try {
    const input = signature.inputs ? enforceSchema(example, signature.inputs) : example;
    const params = Object.fromEntries((signature.params ?? []).map((p) => [p.name, p.default]));
    return inferSchema(await scorer.predict(input, params));
  } catch {
    return undefined;
  } finally {
    await scorer.close?.();
  }
}

/** Bytes of all files under `dir` (MLflow's `get_total_file_size`). */
async function totalSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}
