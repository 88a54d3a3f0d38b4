/**
 * The compiled pipeline spec, format `ferry.pipeline/v1`: plain JSON (or the same in YAML), what the
 * DSL compiles to, what the store keeps per pipeline version and what the controller runs. Every
 * field is data: no functions, no paths that only mean something on the author's machine, except a
 * function step's module, which names code the executing machine must be able to import.
 *
 * Documented for users in docs/pipelines.md ("The spec"); keep both in step.
 */

export const SPEC_API_VERSION = 'ferry.pipeline/v1';

/** Any JSON value. Parameters are small JSON values passed by value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON Schema (draft 2020-12) object, as zod's toJSONSchema writes it. */
export type JsonSchema = { [key: string]: Json };

/** Kinds of artifacts, passed between tasks by URI and materialised as local paths for commands. */
export const ARTIFACT_TYPES = [
  'Artifact',
  'Dataset',
  'Model',
  'Metrics',
  'ClassificationMetrics',
  'HTML',
  'Markdown',
] as const;
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];

/** One input or output of a component: a parameter (JSON value with a schema) or an artifact. */
export type IOSpec =
  | { kind: 'parameter'; schema: JsonSchema; description?: string; optional?: boolean; default?: Json }
  | { kind: 'artifact'; type: ArtifactType; description?: string; optional?: boolean };

export interface RetryPolicy {
  /** Further attempts after the first failure (0: none). */
  count: number;
  /** Wait before the first retry, in ms (default 1000); multiplied by `factor` each time (default 2). */
  backoffMs?: number;
  factor?: number;
  maxBackoffMs?: number;
}

export interface CachePolicy {
  /** Default true: a task whose key was computed before reuses those outputs without running. */
  enabled: boolean;
  /** Reuse only entries younger than this (ms). */
  maxAgeMs?: number;
}

export interface StepOptions {
  /** Container image, for cluster executors; the local executor ignores it. */
  image?: string;
  resources?: { cpu?: string; memory?: string; gpu?: number };
  env?: Record<string, string>;
  retry?: RetryPolicy;
  timeoutMs?: number;
  cache?: CachePolicy;
}

/**
 * How a component runs.
 * - command: argv; `{{inputs.<name>}}` becomes a parameter's value (JSON text unless a string) or an
 *   input artifact's local path, `{{outputs.<name>}}` the local path the step writes an output to (an
 *   artifact's file or folder; for a parameter output, a file holding its JSON value).
 * - function: an exported TS/JS function `(inputs, ctx) => outputs | Promise<outputs>` in an ES
 *   module; `codeDigest` (sha256 of the module file) makes a code change a cache miss.
 * - pipeline: a whole pipeline run as one step (its `outputs` are the step's outputs). The component's
 *   inputs are the nested pipeline's parameters, by name; an artifact input appears in `parameters`
 *   with the schema `{}`, and `{parameter}` references to it inside pass the artifact.
 * - project: an entry point of a Ferry/MLflow project (`ferry run`), in the task's own tracking run;
 *   every input is a project parameter (`-P name=value`; an artifact input passes its local path).
 *   A project step has no outputs: what the project logs lands in the task's run.
 */
export type Implementation =
  | { command: string[] }
  | { function: { module: string; export: string; codeDigest: string } }
  | { pipeline: PipelineSpec }
  | { project: ProjectImplementation };

/** A project entry point run as a step. */
export interface ProjectImplementation {
  /** A project folder or git URI, with an optional `#subdir`. */
  uri: string;
  /** Default `main`. */
  entryPoint?: string;
  /** A commit, branch or tag of a git source. */
  version?: string;
  /** local, virtualenv, conda, node; default: the project's declared environment. */
  envManager?: string;
}

export interface ComponentSpec {
  name: string;
  description?: string;
  inputs: Record<string, IOSpec>;
  outputs: Record<string, IOSpec>;
  implementation: Implementation;
  /** Defaults for every task of this component; a task's own options override them key by key. */
  options?: StepOptions;
}

/**
 * Where a task input comes from.
 * - constant: a literal JSON value.
 * - parameter: a pipeline parameter (of the pipeline this task is in).
 * - taskOutput: an output of another task of the same pipeline; of a `forEach` task, the list of that
 *   output over all iterations, in item order (fan-in).
 * - loopItem: the current item of this task's `forEach` (or `field` of it, when items are objects).
 * - runStatus: the pipeline run's status so far ('succeeded' | 'failed' | 'cancelled'), for exit
 *   tasks.
 */
export type ValueRef =
  | { constant: Json }
  | { parameter: string }
  | { taskOutput: { task: string; output: string } }
  | { loopItem: { field?: string } }
  | { runStatus: Record<string, never> };

export type ComparisonOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A task runs only when its condition holds; otherwise it is skipped (and so is what needs it). */
export type Condition =
  | { op: ComparisonOp; left: ValueRef; right: ValueRef }
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition };

export interface TaskSpec {
  component: ComponentSpec;
  /** A value for every non-optional input of the component. */
  arguments: Record<string, ValueRef>;
  /** Ordering edges besides the ones data references imply. */
  dependsOn?: string[];
  when?: Condition;
  /** Runs the task once per item (a JSON array constant, parameter or task output), at most `parallelism` at once. */
  forEach?: { items: ValueRef; parallelism?: number };
  options?: StepOptions;
}

export interface ParameterSpec {
  schema: JsonSchema;
  default?: Json;
  description?: string;
}

export interface PipelineSpec {
  apiVersion: typeof SPEC_API_VERSION;
  name: string;
  description?: string;
  parameters: Record<string, ParameterSpec>;
  tasks: Record<string, TaskSpec>;
  /** A task of `tasks` that runs last whatever happened (success, failure, cancellation); nothing may depend on it. */
  exitTask?: string;
  /** The pipeline's own outputs (what a `pipeline` implementation's step outputs), from task outputs. */
  outputs?: Record<string, { from: { task: string; output: string } } & IOSpec>;
}
