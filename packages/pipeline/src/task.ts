import { fail, type TaskDraft } from './graph.js';
import { OutputRef, type Ref } from './refs.js';
import type { StepOptions } from './spec.js';

/** What calling a step (or pipeline, or parallelFor) in a pipeline body returns. */
export interface TaskHandle<O extends string = string> {
  /** The task's name in the spec (the step's name, deduplicated: `train`, `train-2`...). */
  readonly name: string;
  /** References to the task's outputs (for a parallelFor task: lists over all iterations). */
  readonly outputs: { readonly [K in O]: Ref };
  /** Runs this task after the given tasks (dependsOn). */
  after(...tasks: TaskHandle[]): this;
  /** Overrides the component's options for this task. */
  options(options: StepOptions): this;
  /** Sets the task's name. */
  named(name: string): this;
}

const drafts = new WeakMap<TaskHandle, TaskDraft>();

export function taskHandle<O extends string>(draft: TaskDraft, outputNames: readonly O[]): TaskHandle<O> {
  const outputs = Object.fromEntries(
    outputNames.map((o) => [o, new OutputRef(draft, o)]),
  ) as unknown as Record<O, Ref>;
  const handle: TaskHandle<O> = {
    get name() {
      return draft.name;
    },
    outputs,
    after(...tasks) {
      for (const task of tasks) {
        const other = drafts.get(task);
        if (!other) fail(`task '${draft.name}': after() takes tasks`);
        if (other.graph !== draft.graph) {
          fail(`task '${draft.name}': after('${other.name}') names a task of another pipeline`);
        }
        draft.dependsOn.add(other);
      }
      return this;
    },
    options(options) {
      draft.options = { ...draft.options, ...options };
      return this;
    },
    named(name) {
      if (draft.graph.uniqueTaskName(name, draft) !== name) fail(`task name '${name}' is already used`);
      draft.name = name;
      return this;
    },
  };
  drafts.set(handle, draft);
  return handle;
}
