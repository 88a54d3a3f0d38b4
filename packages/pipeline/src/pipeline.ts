import { currentGraph, fail, Graph, withGraph, type TaskSource } from './graph.js';
import type { IODecls } from './io.js';
import { OutputRef, ParameterRef, Ref } from './refs.js';
import type { TaskArgs } from './step.js';
import { taskHandle, type TaskHandle } from './task.js';

export interface PipelineConfig<P extends IODecls> {
  name: string;
  description?: string;
  /** zod schemas (with `.default()`/`.optional()`); artifact types only for pipelines run as steps. */
  parameters?: P;
}

/** Pipeline parameters as references, in the body. */
export type PipelineParams<P> = { readonly [K in keyof P]: Ref };

/** The body: calls steps; may return `{name: task.outputs.x}` to declare the pipeline's outputs. */
export type PipelineBody<P, R> = (params: PipelineParams<P>) => R;

type OutputNames<R> = R extends Record<string, Ref> ? Extract<keyof R, string> : never;

const PIPELINE = Symbol.for('ferry.pipeline.definition');

/** A pipeline definition: compile it with compilePipeline, or call it in another pipeline's body as a step. */
export interface PipelineDef<P extends IODecls = IODecls, O extends string = string> extends TaskSource {
  (args: TaskArgs<P>): TaskHandle<O>;
  readonly [PIPELINE]: { config: PipelineConfig<P>; body: PipelineBody<P, unknown> };
}

/** A pipeline called as a step: built when called, compiled to a `{pipeline: spec}` component. */
export interface SubPipelineSource extends TaskSource {
  readonly def: PipelineDef;
  readonly graph: Graph;
}

export function isPipelineDef(value: unknown): value is PipelineDef {
  return typeof value === 'function' && PIPELINE in value;
}

export function pipelineConfig(def: PipelineDef): PipelineConfig<IODecls> {
  return def[PIPELINE].config;
}

/** Checks what a body returned: undefined, or an object of task output references. */
export function bodyOutputs(graph: Graph, result: unknown): Record<string, Ref> | undefined {
  if (result === undefined) return undefined;
  if (typeof result !== 'object' || result === null || Array.isArray(result) || result instanceof Ref) {
    fail(`the body of '${graph.name}' must return nothing or an object of task outputs`);
  }
  for (const [key, value] of Object.entries(result)) {
    if (!(value instanceof OutputRef)) fail(`output '${key}' of '${graph.name}': not a task output`);
    if (value.graph !== graph)
      fail(`output '${key}' of '${graph.name}': task '${value.task.name}' is not in this pipeline`);
  }
  return result as Record<string, Ref>;
}

/** Runs a definition's body into a new graph. */
export function buildGraph(def: PipelineDef): Graph {
  const { config, body } = def[PIPELINE];
  const graph = new Graph(config.name, undefined, config.parameters ?? {}, config.description);
  const params = Object.fromEntries(graph.paramNames.map((n) => [n, new ParameterRef(graph, n)]));
  graph.outputs = bodyOutputs(
    graph,
    withGraph(graph, () => body(params)),
  );
  return graph;
}

export function pipeline<P extends IODecls = Record<never, never>, R = void>(
  config: PipelineConfig<P>,
  body: PipelineBody<P, R>,
): PipelineDef<P, OutputNames<R>> {
  if (!config.name) fail('pipeline(): a name is required');
  const call = (args: TaskArgs<P>): TaskHandle<OutputNames<R>> => {
    const graph = currentGraph(`pipeline '${config.name}'`);
    const sub = buildGraph(self as PipelineDef);
    const source: SubPipelineSource = { defaultName: config.name, def: self as PipelineDef, graph: sub };
    const draft = graph.addTask(source, args);
    return taskHandle(draft, Object.keys(sub.outputs ?? {}) as OutputNames<R>[]);
  };
  const self = Object.assign(call, {
    [PIPELINE]: { config, body: body as PipelineBody<P, unknown> },
    defaultName: config.name,
  }) as PipelineDef<P, OutputNames<R>>;
  return self;
}
