import { PipelineCompileError } from './errors.js';
import type { IODecls } from './io.js';
import { LoopItemRef, OutputRef, ParameterRef, Ref, RunStatusRef } from './refs.js';
import type { ComparisonOp, Json, StepOptions, ValueRef } from './spec.js';

/** A task argument or condition operand while building: a Ref valid in the task's graph, or spec data. */
export type ArgDraft = Ref | ValueRef;

export type ConditionDraft =
  { op: ComparisonOp; left: ArgDraft; right: ArgDraft } | { and: ConditionDraft[] } | { not: ConditionDraft };

/** What a task runs; resolved to a ComponentSpec when the pipeline is compiled. */
export interface TaskSource {
  readonly defaultName: string;
}

export class TaskDraft {
  readonly args = new Map<string, ArgDraft>();
  readonly dependsOn = new Set<TaskDraft>();
  when?: ConditionDraft;
  forEach?: { items: ArgDraft; parallelism?: number };
  options?: StepOptions;

  constructor(
    readonly graph: Graph,
    public name: string,
    readonly source: TaskSource,
  ) {}
}

export function fail(message: string): never {
  throw new PipelineCompileError([{ path: '', message }]);
}

/** A pipeline being built: what its body function created, in order. */
export class Graph {
  readonly tasks: TaskDraft[] = [];
  readonly conditions: ConditionDraft[] = [];
  exitTask?: TaskDraft;
  exitCollector?: TaskDraft[];
  outputs?: Record<string, Ref>;
  /** Loop bodies: outer values used inside, each a parameter of this graph (ordered by first use). */
  readonly captures = new Map<Ref, string>();
  /** Loop bodies: parameters holding the item (key '' for the whole item, else the field name). */
  readonly itemParams = new Map<string, string>();
  private readonly localRefs = new Map<string, ParameterRef>();

  /** Loop bodies: the task (of the parent graph) that runs this body once per item. */
  loopTask?: TaskDraft;
  readonly paramNames: string[];

  constructor(
    readonly name: string,
    readonly parent?: Graph,
    /** Declared parameters (of a `pipeline()`); a loop body has none besides its captures and items. */
    readonly paramDecls: IODecls = {},
    readonly description?: string,
  ) {
    this.paramNames = Object.keys(paramDecls);
  }

  uniqueTaskName(base: string, except?: TaskDraft): string {
    const taken = new Set(this.tasks.filter((t) => t !== except).map((t) => t.name));
    if (!taken.has(base)) return base;
    for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
  }

  private freshParam(base: string): ParameterRef {
    const taken = new Set([...this.paramNames, ...this.captures.values(), ...this.itemParams.values()]);
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
    const ref = new ParameterRef(this, name);
    this.localRefs.set(name, ref);
    return ref;
  }

  private isAncestor(graph: Graph): boolean {
    for (let g = this.parent; g; g = g.parent) if (g === graph) return true;
    return false;
  }

  /** Makes a value usable by a task of this graph: a value of an enclosing loop body is captured. */
  localize(value: unknown, what: string): ArgDraft {
    if (!(value instanceof Ref)) {
      if (
        value === undefined ||
        typeof value === 'function' ||
        typeof value === 'symbol' ||
        typeof value === 'bigint'
      ) {
        fail(`${what}: not a JSON value or reference`);
      }
      return { constant: value as Json };
    }
    if (value instanceof RunStatusRef || value.graph === this) {
      if (value instanceof LoopItemRef) {
        const key = value.fieldName ?? '';
        const existing = this.itemParams.get(key);
        if (existing) return this.localRefs.get(existing)!;
        const param = this.freshParam(key ? `item-${key}` : 'item');
        this.itemParams.set(key, param.name);
        return param;
      }
      return value;
    }
    if (!value.graph || !this.isAncestor(value.graph)) {
      const source = value instanceof OutputRef ? `an output of task '${value.task.name}'` : 'a value';
      fail(`${what}: ${source} of pipeline '${value.graph?.name}' used in pipeline '${this.name}'`);
    }
    const existing = this.captures.get(value);
    if (existing) return this.localRefs.get(existing)!;
    const base =
      value instanceof ParameterRef
        ? value.name
        : value instanceof OutputRef
          ? `${value.task.name}-${value.output}`
          : value instanceof LoopItemRef && value.fieldName
            ? `item-${value.fieldName}`
            : 'item';
    const param = this.freshParam(base);
    this.captures.set(value, param.name);
    return param;
  }

  addTask(source: TaskSource, args: Record<string, unknown>): TaskDraft {
    const draft = new TaskDraft(this, this.uniqueTaskName(source.defaultName), source);
    for (const [key, value] of Object.entries(args)) {
      if (value === undefined) continue;
      draft.args.set(key, this.localize(value, `task '${draft.name}' argument '${key}'`));
    }
    if (this.conditions.length === 1) draft.when = this.conditions[0];
    else if (this.conditions.length > 1) draft.when = { and: [...this.conditions] };
    this.tasks.push(draft);
    this.exitCollector?.push(draft);
    return draft;
  }
}

const stack: Graph[] = [];

/** The pipeline whose body is running; steps called outside one throw. */
export function currentGraph(what: string): Graph {
  const graph = stack[stack.length - 1];
  if (!graph) fail(`${what} called outside a pipeline body`);
  return graph;
}

/** Runs a (synchronous) body with `graph` as the current pipeline. */
export function withGraph<T>(graph: Graph, body: () => T): T {
  stack.push(graph);
  try {
    const result = body();
    if (result instanceof Promise) fail(`the body of '${graph.name}' must not be async`);
    return result;
  } finally {
    stack.pop();
  }
}
