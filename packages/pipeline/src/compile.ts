import type { LoopSource } from './control.js';
import { resolveFunctionStep } from './function-step.js';
import { fail, type ArgDraft, type ConditionDraft, type Graph, type TaskDraft } from './graph.js';
import { toIOSpec, toIOSpecs, toParameterSpec, type IODecls } from './io.js';
import { buildGraph, isPipelineDef, type PipelineDef, type SubPipelineSource } from './pipeline.js';
import { LoopItemRef, OutputRef, ParameterRef, Ref, RunStatusRef } from './refs.js';
import { parseSpec } from './schema.js';
import {
  SPEC_API_VERSION,
  type ComponentSpec,
  type Condition,
  type Implementation,
  type IOSpec,
  type JsonSchema,
  type ParameterSpec,
  type PipelineSpec,
  type ProjectImplementation,
  type StepOptions,
  type TaskSpec,
  type ValueRef,
} from './spec.js';
import { isStep, stepConfig } from './step.js';
import { arrayOf, schemaOfValue, subSchema } from './types.js';

function withoutFrom(outputs: PipelineSpec['outputs']): Record<string, IOSpec> {
  return Object.fromEntries(
    Object.entries(outputs ?? {}).map(([k, { from: _from, ...io }]) => [k, io as IOSpec]),
  );
}

function valueRef(arg: ArgDraft): ValueRef {
  if (!(arg instanceof Ref)) return arg;
  if (arg instanceof ParameterRef) return { parameter: arg.name };
  if (arg instanceof OutputRef) return { taskOutput: { task: arg.task.name, output: arg.output } };
  if (arg instanceof RunStatusRef) return { runStatus: {} };
  return fail('internal: a loop item reached a task unlocalized');
}

function conditionSpec(cond: ConditionDraft): Condition {
  if ('op' in cond) return { op: cond.op, left: valueRef(cond.left), right: valueRef(cond.right) };
  if ('and' in cond) return { and: cond.and.map(conditionSpec) };
  return { not: conditionSpec(cond.not) };
}

/** The schema common to the elements of a constant array (when they share one JSON type). */
function elementSchema(values: unknown[]): JsonSchema | undefined {
  const schemas = values.map((v) => JSON.stringify(schemaOfValue(v as never)));
  const distinct = new Set(schemas.map((s) => (s === '{"type":"integer"}' ? '{"type":"number"}' : s)));
  if (distinct.size !== 1) return undefined;
  return schemas.includes('{"type":"number"}') ? { type: 'number' } : (JSON.parse(schemas[0]!) as JsonSchema);
}

/** Turns built graphs into specs; resolves each task's component once. */
class Compiler {
  private readonly components = new Map<TaskDraft, Promise<ComponentSpec>>();

  component(draft: TaskDraft): Promise<ComponentSpec> {
    let promise = this.components.get(draft);
    if (!promise) {
      promise = this.makeComponent(draft);
      this.components.set(draft, promise);
    }
    return promise;
  }

  private async makeComponent(draft: TaskDraft): Promise<ComponentSpec> {
    const source = draft.source;
    if (isStep(source)) {
      const config = stepConfig(source);
      const implementation: Implementation =
        config.command !== undefined
          ? { command: [...config.command] }
          : config.project !== undefined
            ? { project: { ...config.project } }
            : { function: await resolveFunctionStep(source, config.name, config.module!) };
      const options =
        config.project !== undefined ? projectStepOptions(config.project, config.options) : config.options;
      return {
        name: config.name,
        ...(config.description !== undefined && { description: config.description }),
        inputs: toIOSpecs(config.inputs),
        outputs: toIOSpecs(config.outputs),
        implementation,
        ...(options && { options }),
      };
    }
    if ('def' in source) {
      const { graph } = source as SubPipelineSource;
      const spec = await this.pipelineSpec(graph, graph.name);
      return {
        name: graph.name,
        ...(graph.description !== undefined && { description: graph.description }),
        inputs: toIOSpecs(graph.paramDecls),
        outputs: withoutFrom(spec.outputs),
        implementation: { pipeline: spec },
      };
    }
    const { graph } = source as LoopSource;
    const spec = await this.pipelineSpec(graph, draft.name);
    const inputs: Record<string, IOSpec> = {};
    for (const name of [...graph.captures.values(), ...graph.itemParams.values()]) {
      inputs[name] = await this.parameterIO(graph, name);
    }
    return {
      name: draft.name,
      inputs,
      outputs: withoutFrom(spec.outputs),
      implementation: { pipeline: spec },
    };
  }

  /** The IOSpec of a graph's parameter: declared, captured from outside (loop bodies) or the loop item. */
  private async parameterIO(graph: Graph, name: string): Promise<IOSpec> {
    const decl = graph.paramDecls[name];
    if (decl) return toIOSpec(decl);
    for (const [ref, param] of graph.captures) {
      if (param === name) {
        const io = await this.refIO(ref);
        return io.kind === 'parameter'
          ? { kind: 'parameter', schema: io.schema }
          : { kind: 'artifact', type: io.type };
      }
    }
    for (const [field, param] of graph.itemParams) if (param === name) return this.itemIO(graph, field);
    return fail(`internal: unknown parameter '${name}' of '${graph.name}'`);
  }

  private async itemIO(loop: Graph, field: string): Promise<IOSpec> {
    const items = loop.loopTask?.forEach?.items;
    let schema: JsonSchema | undefined;
    if (items instanceof Ref) {
      const io = await this.refIO(items);
      if (io.kind === 'parameter') schema = subSchema(io.schema, 'items');
    } else if (items && 'constant' in items && Array.isArray(items.constant)) {
      schema = elementSchema(items.constant);
    }
    if (field) schema = subSchema(subSchema(schema, 'properties'), field);
    return { kind: 'parameter', schema: schema ?? {} };
  }

  /** What a reference carries, in the graph it belongs to (a forEach task's outputs are lists). */
  private async refIO(ref: Ref | ValueRef): Promise<IOSpec> {
    if (ref instanceof ParameterRef) return this.parameterIO(ref.graph, ref.name);
    if (ref instanceof OutputRef) {
      const io = (await this.component(ref.task)).outputs[ref.output];
      if (!io) fail(`task '${ref.task.name}' has no output '${ref.output}'`);
      if (!ref.task.forEach) return io;
      if (io.kind === 'artifact') return io;
      return {
        kind: 'parameter',
        schema: arrayOf(io.schema),
        ...(io.description !== undefined && { description: io.description }),
      };
    }
    if (ref instanceof LoopItemRef) return this.itemIO(ref.graph, ref.fieldName ?? '');
    if (ref instanceof RunStatusRef) return { kind: 'parameter', schema: { type: 'string' } };
    if ('constant' in ref) return { kind: 'parameter', schema: schemaOfValue(ref.constant) };
    return { kind: 'parameter', schema: {} };
  }

  async pipelineSpec(graph: Graph, name: string): Promise<PipelineSpec> {
    const parameters: Record<string, ParameterSpec> = {};
    for (const [param, decl] of Object.entries(graph.paramDecls)) parameters[param] = toParameterSpec(decl);
    for (const param of [...graph.captures.values(), ...graph.itemParams.values()]) {
      const io = await this.parameterIO(graph, param);
      parameters[param] = { schema: io.kind === 'parameter' ? io.schema : {} };
    }
    const tasks: Record<string, TaskSpec> = {};
    for (const draft of graph.tasks) {
      tasks[draft.name] = {
        component: await this.component(draft),
        arguments: Object.fromEntries([...draft.args].map(([k, v]) => [k, valueRef(v)])),
        ...(draft.dependsOn.size > 0 && { dependsOn: [...draft.dependsOn].map((t) => t.name) }),
        ...(draft.when && { when: conditionSpec(draft.when) }),
        ...(draft.forEach && {
          forEach: {
            items: valueRef(draft.forEach.items),
            ...(draft.forEach.parallelism !== undefined && { parallelism: draft.forEach.parallelism }),
          },
        }),
        ...(draft.options && { options: draft.options }),
      };
    }
    let outputs: PipelineSpec['outputs'];
    if (graph.outputs) {
      outputs = {};
      for (const [key, ref] of Object.entries(graph.outputs)) {
        const out = ref as OutputRef;
        outputs[key] = { from: { task: out.task.name, output: out.output }, ...(await this.refIO(out)) };
      }
    }
    return {
      apiVersion: SPEC_API_VERSION,
      name,
      ...(graph.description !== undefined && { description: graph.description }),
      parameters,
      tasks,
      ...(graph.exitTask && { exitTask: graph.exitTask.name }),
      ...(outputs && { outputs }),
    };
  }
}

/** Runs the pipeline's body, resolves its steps (importing function steps' modules) and validates the spec. */
export async function compilePipeline<P extends IODecls, O extends string>(
  def: PipelineDef<P, O>,
): Promise<PipelineSpec> {
  if (!isPipelineDef(def)) fail('compilePipeline() takes what pipeline() returns');
  const graph = buildGraph(def as unknown as PipelineDef);
  const spec = await new Compiler().pipelineSpec(graph, graph.name);
  return parseSpec(spec);
}

/**
 * A project step caches only when its version pins a commit: a folder, a branch or a tag can hold
 * other code under the same URI tomorrow. An explicit cache option wins.
 */
function projectStepOptions(
  project: ProjectImplementation,
  options: StepOptions | undefined,
): StepOptions | undefined {
  if (options?.cache !== undefined || /^[0-9a-f]{40}$/.test(project.version ?? '')) return options;
  return { ...options, cache: { enabled: false } };
}
