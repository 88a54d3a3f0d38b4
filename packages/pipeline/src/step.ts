import { currentGraph, fail, type TaskSource } from './graph.js';
import type { IODecls } from './io.js';
import type { Ref } from './refs.js';
import type { AnyStepFunction, StepFunction } from './runtime.js';
import type { Json, ProjectImplementation, StepOptions } from './spec.js';
import { taskHandle, type TaskHandle } from './task.js';

/** Arguments when calling a step or pipeline in a pipeline body: references or JSON constants. */
export type TaskArgs<I> = { [K in keyof I]?: Ref | Json };

interface StepConfigBase<I extends IODecls, O extends IODecls> {
  /** The component's name, and its tasks' default name. */
  name: string;
  description?: string;
  inputs?: I;
  outputs?: O;
  /** Defaults for every task of this step. */
  options?: StepOptions;
}

/** A step that runs a command; `{{inputs.x}}` and `{{outputs.y}}` in it are replaced when run. */
export interface CommandStepConfig<I extends IODecls, O extends IODecls> extends StepConfigBase<I, O> {
  command: string[];
  run?: never;
  module?: never;
  project?: never;
}

/**
 * A step that runs a project's entry point (as `ferry run` does) in the task's tracking run; its
 * inputs are the project's parameters. It has no outputs. Unless `version` pins a commit (40 hex
 * digits), the step is not cached by default: the project's files can change under the same URI.
 */
export interface ProjectStepConfig<I extends IODecls> extends StepConfigBase<I, Record<never, never>> {
  project: ProjectImplementation;
  command?: never;
  run?: never;
  module?: never;
}

/** A step that runs an exported TS/JS function; `module` must be `import.meta.url` of the exporting module. */
export interface FunctionStepConfig<I extends IODecls, O extends IODecls> extends StepConfigBase<I, O> {
  run: StepFunction<I, O>;
  module: string;
  command?: never;
  project?: never;
}

export type StepConfig<I extends IODecls, O extends IODecls> =
  CommandStepConfig<I, O> | FunctionStepConfig<I, O> | ProjectStepConfig<I>;

const STEP = Symbol.for('ferry.pipeline.step');

/** A step: call it in a pipeline body to add a task. */
export interface Step<I extends IODecls = IODecls, O extends IODecls = IODecls> extends TaskSource {
  (args: TaskArgs<I>): TaskHandle<Extract<keyof O, string>>;
  readonly [STEP]: StepConfig<I, O>;
  /** The function of a function step (undefined for command steps). */
  readonly run: StepFunction<I, O> | undefined;
}

export function isStep(value: unknown): value is Step {
  return typeof value === 'function' && STEP in value;
}

export function stepConfig(step: Step): StepConfig<IODecls, IODecls> {
  return step[STEP];
}

export function step<I extends IODecls = Record<never, never>, O extends IODecls = Record<never, never>>(
  config: StepConfig<I, O>,
): Step<I, O> {
  if (!config.name) fail('step(): a name is required');
  const kinds = [config.command, config.run, config.project].filter((kind) => kind !== undefined).length;
  if (kinds !== 1) fail(`step '${config.name}': give exactly one of command, run and project`);
  const hasRun = config.run !== undefined;
  if (config.project !== undefined && Object.keys(config.outputs ?? {}).length > 0) {
    fail(`step '${config.name}': a project step has no outputs (what the project logs lands in its run)`);
  }
  if (hasRun && !config.module) fail(`step '${config.name}': a function step needs module: import.meta.url`);
  const outputNames = Object.keys(config.outputs ?? {}) as Extract<keyof O, string>[];
  const call = (args: TaskArgs<I>): TaskHandle<Extract<keyof O, string>> => {
    const graph = currentGraph(`step '${config.name}'`);
    const draft = graph.addTask(self, args);
    return taskHandle(draft, outputNames);
  };
  const self = Object.assign(call, { [STEP]: config, run: config.run, defaultName: config.name }) as Step<
    I,
    O
  >;
  return self;
}

/**
 * The function of a function step exported as `exportName` from an imported module namespace, for a
 * runner executing `{function: {module, export}}`.
 */
export function getStepFunction(
  moduleNamespace: Record<string, unknown>,
  exportName: string,
): AnyStepFunction {
  const value = moduleNamespace[exportName];
  if (value === undefined) fail(`the module has no export '${exportName}'`);
  if (isStep(value)) {
    if (!value.run) fail(`export '${exportName}' is a command step, not a function step`);
    return value.run as unknown as AnyStepFunction;
  }
  if (typeof value === 'function') return value as AnyStepFunction;
  fail(`export '${exportName}' is not a step or function`);
}
