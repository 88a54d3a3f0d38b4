export * from './spec.js';
export { PipelineCompileError, type CompileIssue } from './errors.js';
export { parseSpec } from './schema.js';
export { validateSpec } from './validate.js';
export { loadSpec, dumpSpec } from './yaml.js';
export { canonicalJson, specDigest } from './digest.js';
export {
  Artifact,
  ClassificationMetrics,
  Dataset,
  HTML,
  Markdown,
  Metrics,
  Model,
  isArtifactDecl,
  type ArtifactDecl,
} from './artifacts.js';
export type { IODecl, IODecls, StepInputs, StepOutputs } from './io.js';
export type { ArtifactRef, StepContext, StepFunction, AnyStepFunction } from './runtime.js';
export { Ref, LoopItemRef, runStatus } from './refs.js';
export type { TaskHandle } from './task.js';
export {
  step,
  getStepFunction,
  isStep,
  type Step,
  type StepConfig,
  type CommandStepConfig,
  type FunctionStepConfig,
  type TaskArgs,
} from './step.js';
export {
  pipeline,
  isPipelineDef,
  type PipelineDef,
  type PipelineConfig,
  type PipelineBody,
  type PipelineParams,
} from './pipeline.js';
export { condition, parallelFor, exitHandler, type ParallelForOptions } from './control.js';
export { compilePipeline } from './compile.js';
