import type { ModelConfig, SignatureConfig } from './model-config.js';
import type { Signature } from './schema.js';
import { paramsToJson, parseParamsJson, parseSchemaJson, schemaToJson } from './schema-json.js';

/** The signature of a model config, parsed; undefined when the model has none. */
export function readSignature(config: Pick<ModelConfig, 'signature'>): Signature | undefined {
  const stored = config.signature;
  if (!stored) return undefined;
  const signature: Signature = {};
  if (stored.inputs) signature.inputs = parseSchemaJson(stored.inputs);
  if (stored.outputs) signature.outputs = parseSchemaJson(stored.outputs);
  if (stored.params) signature.params = parseParamsJson(stored.params);
  return signature;
}

/** A signature as MLflow stores it in `MLmodel` (`ModelSignature.to_dict()`): JSON strings or null. */
export function signatureToConfig(signature: Signature): SignatureConfig {
  return {
    inputs: signature.inputs ? schemaToJson(signature.inputs) : null,
    outputs: signature.outputs ? schemaToJson(signature.outputs) : null,
    params: signature.params && signature.params.length > 0 ? paramsToJson(signature.params) : null,
  };
}
