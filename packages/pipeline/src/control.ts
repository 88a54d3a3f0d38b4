import { currentGraph, fail, Graph, withGraph, type ConditionDraft, type TaskSource } from './graph.js';
import { bodyOutputs } from './pipeline.js';
import { LoopItemRef, type Ref } from './refs.js';
import type { ComparisonOp, Json } from './spec.js';
import { taskHandle, type TaskHandle } from './task.js';

/**
 * Tasks created in `thenBody` run only when `left op right` holds; those in `elseBody` only when it
 * does not. Operands are references or JSON constants; nested conditions combine with `and`.
 */
export function condition(
  left: Ref | Json,
  op: ComparisonOp,
  right: Ref | Json,
  thenBody: () => void,
  elseBody?: () => void,
): void {
  const graph = currentGraph('condition()');
  const cond: ConditionDraft = {
    op,
    left: graph.localize(left, 'condition left operand'),
    right: graph.localize(right, 'condition right operand'),
  };
  const run = (c: ConditionDraft, body: () => void) => {
    graph.conditions.push(c);
    try {
      const result = body() as unknown;
      if (result instanceof Promise) fail('condition bodies must not be async');
    } finally {
      graph.conditions.pop();
    }
  };
  run(cond, thenBody);
  if (elseBody) run({ not: cond }, elseBody);
}

export interface ParallelForOptions {
  /** At most this many iterations at once (default: no limit). */
  parallelism?: number;
}

/** A parallelFor task's body, compiled into a nested pipeline. */
export interface LoopSource extends TaskSource {
  readonly graph: Graph;
}

type OutputNames<R> = R extends Record<string, Ref> ? Extract<keyof R, string> : never;

/**
 * Runs `body` once per item of `items` (a JSON array, or a reference to one), as one task with
 * `forEach`. Returned outputs become the task's outputs: lists over all iterations, in item order.
 */
export function parallelFor<R = void>(
  items: Ref | Json[],
  body: (item: LoopItemRef) => R,
): TaskHandle<OutputNames<R>>;
export function parallelFor<R = void>(
  items: Ref | Json[],
  options: ParallelForOptions,
  body: (item: LoopItemRef) => R,
): TaskHandle<OutputNames<R>>;
export function parallelFor<R>(
  items: Ref | Json[],
  optionsOrBody: ParallelForOptions | ((item: LoopItemRef) => R),
  maybeBody?: (item: LoopItemRef) => R,
): TaskHandle<OutputNames<R>> {
  const graph = currentGraph('parallelFor()');
  const options = typeof optionsOrBody === 'function' ? {} : optionsOrBody;
  const body = typeof optionsOrBody === 'function' ? optionsOrBody : maybeBody;
  if (!body) fail('parallelFor(): a body is required');
  const itemsArg = graph.localize(items, 'parallelFor items');
  const loop = new Graph(graph.uniqueTaskName('loop'), graph);
  loop.outputs = bodyOutputs(
    loop,
    withGraph(loop, () => body(new LoopItemRef(loop))),
  );
  const source: LoopSource = { defaultName: 'loop', graph: loop };
  const draft = graph.addTask(source, {});
  loop.loopTask = draft;
  for (const [ref, name] of loop.captures) draft.args.set(name, graph.localize(ref, `task '${draft.name}'`));
  for (const [field, name] of loop.itemParams) draft.args.set(name, { loopItem: field ? { field } : {} });
  draft.forEach = {
    items: itemsArg,
    ...(options.parallelism !== undefined && { parallelism: options.parallelism }),
  };
  return taskHandle(draft, Object.keys(loop.outputs ?? {}) as OutputNames<R>[]);
}

/** The one task created in `body` becomes the pipeline's exit task: it runs last, whatever happened. */
export function exitHandler<T>(body: () => T): T {
  const graph = currentGraph('exitHandler()');
  if (graph.exitTask) fail(`pipeline '${graph.name}' already has an exit handler`);
  if (graph.exitCollector) fail('exitHandler() cannot be nested');
  const created: NonNullable<Graph['exitCollector']> = [];
  graph.exitCollector = created;
  let result: T;
  try {
    result = body();
  } finally {
    graph.exitCollector = undefined;
  }
  if (created.length !== 1)
    fail(`exitHandler(): the body must create exactly one task (it created ${created.length})`);
  graph.exitTask = created[0];
  return result;
}
