import type { Graph, TaskDraft } from './graph.js';

/**
 * A value known only when the pipeline runs: a pipeline parameter, a task output, the loop item or
 * the run status. Pass it as a task argument, a condition operand, loop items or a pipeline output.
 */
export abstract class Ref {
  /** The pipeline (being built) the value belongs to; undefined for runStatus, valid anywhere. */
  abstract readonly graph: Graph | undefined;
  /** Stops a plain object of the same shape from type-checking as a Ref. */
  protected readonly isRef = true;
}

export class ParameterRef extends Ref {
  constructor(
    readonly graph: Graph,
    readonly name: string,
  ) {
    super();
  }
}

export class OutputRef extends Ref {
  constructor(
    readonly task: TaskDraft,
    readonly output: string,
  ) {
    super();
  }

  get graph(): Graph {
    return this.task.graph;
  }
}

/** The current item of a parallelFor; `item.field('x')` is a field of an object item. */
export class LoopItemRef extends Ref {
  constructor(
    readonly graph: Graph,
    readonly fieldName?: string,
  ) {
    super();
  }

  field(name: string): LoopItemRef {
    return new LoopItemRef(this.graph, name);
  }
}

export class RunStatusRef extends Ref {
  readonly graph = undefined;
}

/** The run's status so far ('succeeded' | 'failed' | 'cancelled'), for the exitHandler task. */
export function runStatus(): Ref {
  return new RunStatusRef();
}
