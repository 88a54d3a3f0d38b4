export type {
  AnyType,
  ArrayType,
  ColSpec,
  ColumnType,
  DataType,
  MapType,
  ObjectType,
  ParamSpec,
  Property,
  Schema,
  Signature,
  SparkMLVectorType,
  TensorSpec,
} from './schema.js';
export { DATA_TYPES, columnSchema, hasInputNames, schemaSpecs, tensorSchema } from './schema.js';
export { paramsToJson, parseParamsJson, parseSchemaJson, schemaToJson } from './schema-json.js';
export { paramSpecRepr, schemaRepr, typeRepr } from './schema-repr.js';
export { validateSchema } from './schema-validate.js';
export { readSignature, signatureToConfig } from './signature.js';
export { inferParams, inferSchema, inferSignature } from './infer-signature.js';

export type { FlavorConfig, InputExampleInfo, ModelConfig, SignatureConfig } from './model-config.js';
export {
  MLFLOW_VERSION,
  MLMODEL_FILE_NAME,
  formatUtcTime,
  parseModelConfig,
  readModelConfig,
  serializeModelConfig,
  writeModelConfig,
} from './model-config.js';

export type { Column, ColumnDType, DataFrame } from './data-frame.js';
export {
  columnDType,
  dataFrame,
  dataFrameFromRecords,
  dataFrameFromRows,
  dataFrameRecords,
  getColumn,
  makeDataFrame,
  rowCount,
} from './data-frame.js';
export type { NumericTypedArray, Tensor, TensorDType, TensorMap } from './tensor.js';
export { TENSOR_DTYPES, tensor, tensorFromNested, tensorToNested, tensorValues, tensors } from './tensor.js';
export type { ModelInput, ModelOutput } from './model-input.js';
export { isModelInput } from './model-input.js';

export type { InputExample } from './input-example.js';
export {
  INPUT_EXAMPLE_FILE,
  SERVING_INPUT_EXAMPLE_FILE,
  readInputExample,
  saveInputExample,
} from './input-example.js';

export { enforceSchema } from './enforce-schema.js';
export { enforceParams } from './enforce-params.js';
export { SchemaEnforcementError } from './schema-error.js';
export { describeInput } from './describe-input.js';

export type { Flavor, SavedFlavor, Scorer } from './flavor.js';
export type { OnnxModelSpec } from './onnx-flavor.js';
export { DEFAULT_ONNX_VERSION, ONNX_DATA_FILE, ONNX_FLAVOR, onnxFlavor } from './onnx-flavor.js';
export type { OnnxSessionOptions } from './onnx-runtime.js';
export type { JsModelModule, JsModelSpec } from './js-flavor.js';
export { JS_FLAVOR, jsFlavor } from './js-flavor.js';
export { PYTHON_VERSION, pythonEnvironmentFiles } from './python-env.js';
export type { ModelSpec, SaveModelOptions } from './save-model.js';
export { saveModel } from './save-model.js';
export type { LoadedModel, LoadModelOptions } from './load-model.js';
export { FLAVORS, loadModel } from './load-model.js';

export type { ScoringRequest } from './scoring-request.js';
export {
  REQUIRED_INPUT_FORMAT,
  SCORING_PROTOCOL_CHANGE_INFO,
  parseScoringRequest,
} from './scoring-request.js';
export { predictionsResponse, toJsonable } from './predictions.js';
export type { InferenceRequest, InferenceResponse, InferenceTensor } from './open-inference.js';
export { inferenceResponse, parseInferenceRequest } from './open-inference.js';
export { PyFloat, pythonJson } from './python-json.js';
