import type { Json, PipelineSpec, TaskSpec } from '@ferry/pipeline';
import type { PipelineTaskStatus } from '@ferry/store';
import type { RunContext } from './run-context.js';
import { runLeaf } from './task-runner.js';
import type { ValueScope } from './values.js';
import { UnresolvedValue, conditionRefs, evaluateCondition, referencedTask, resolveValue } from './values.js';

/** How a task of a scope ended, and what it produced (a forEach task: lists, in item order). */
interface Settled {
  status: PipelineTaskStatus;
  outputs: Record<string, Json>;
}

export interface ScopeOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  outputs: Record<string, Json>;
  error?: string;
}

/** Tasks of the same scope that a task waits for: data references, conditions, loop items, dependsOn. */
export function upstreamOf(task: TaskSpec): string[] {
  const refs = [
    ...Object.values(task.arguments),
    ...(task.when ? conditionRefs(task.when) : []),
    ...(task.forEach ? [task.forEach.items] : []),
  ];
  const names = refs.map(referencedTask).filter((n): n is string => n !== undefined);
  return [...new Set([...names, ...(task.dependsOn ?? [])])];
}

/** A pipeline's parameters: the given values over the declared defaults. */
export function withDefaults(spec: PipelineSpec, given: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, p] of Object.entries(spec.parameters)) {
    if (name in given) out[name] = given[name]!;
    else if (p.default !== undefined) out[name] = p.default;
  }
  return out;
}

async function record(
  rc: RunContext,
  taskId: string,
  name: string,
  parentTaskId: string | null,
  patch: {
    status: PipelineTaskStatus;
    outputs?: Record<string, Json>;
    error?: string | null;
    inputs?: Record<string, Json>;
  },
): Promise<void> {
  // A controller letting go of the run records nothing more: whoever resumes it decides.
  if (rc.detaching()) return;
  await rc.deps.pipelines.createTasks([{ runId: rc.run.id, taskId, name, parentTaskId, status: 'pending' }]);
  const now = rc.now();
  const running = patch.status === 'running';
  await rc.deps.pipelines.updateTask(rc.run.id, taskId, {
    ...patch,
    ...(running ? { startedAt: now } : { finishedAt: now }),
  });
}

/**
 * Drives one pipeline scope — the run's pipeline, a nested pipeline step, or one iteration of a loop
 * over one — to its end. Every task starts as soon as what it waits for has settled; a task downstream
 * of a failed, cancelled or skipped one is skipped, naming why. The exit task, if any, runs last with
 * the scope's status, whatever happened, even after a cancellation.
 */
export async function runScope(
  rc: RunContext,
  spec: PipelineSpec,
  parameters: Record<string, Json>,
  prefix: string,
  parentTaskId: string | null,
  loopItem?: Json,
): Promise<ScopeOutcome> {
  const settled = new Map<string, Promise<Settled>>();
  const done = new Map<string, Settled>();
  const scope = (extra: Partial<ValueScope> = {}): ValueScope => ({
    parameters,
    taskOutputs: (task) => done.get(task)?.outputs,
    ...(loopItem === undefined ? {} : { loopItem }),
    ...extra,
  });

  const settle = (name: string): Promise<Settled> => {
    let promise = settled.get(name);
    if (!promise) {
      promise = settleTask(name).then((s) => {
        done.set(name, s);
        return s;
      });
      settled.set(name, promise);
    }
    return promise;
  };

  async function settleTask(name: string): Promise<Settled> {
    const task = spec.tasks[name]!;
    const taskId = `${prefix}${name}`;
    const upstream = upstreamOf(task);
    const results = await Promise.all(upstream.map((u) => settle(u).then((s) => [u, s] as const)));
    const blocked = results.find(([, s]) => s.status !== 'succeeded' && s.status !== 'cached');
    if (blocked) {
      const [u, s] = blocked;
      const status: PipelineTaskStatus = s.status === 'cancelled' ? 'cancelled' : 'skipped';
      const why =
        s.status === 'skipped' ? 'was skipped' : s.status === 'cancelled' ? 'was cancelled' : 'failed';
      await record(rc, taskId, name, parentTaskId, { status, error: `upstream task '${u}' ${why}` });
      return { status, outputs: {} };
    }
    if (rc.signal.aborted) {
      await record(rc, taskId, name, parentTaskId, { status: 'cancelled' });
      return { status: 'cancelled', outputs: {} };
    }
    try {
      if (task.when && !evaluateCondition(task.when, scope())) {
        await record(rc, taskId, name, parentTaskId, { status: 'skipped', error: 'condition is false' });
        return { status: 'skipped', outputs: {} };
      }
      return task.forEach
        ? await runLoop(name, taskId, task)
        : await runInstance(rc, name, taskId, task, scope(), parentTaskId);
    } catch (error) {
      if (!(error instanceof UnresolvedValue)) throw error;
      await record(rc, taskId, name, parentTaskId, { status: 'failed', error: error.message });
      return { status: 'failed', outputs: {} };
    }
  }

  async function runLoop(name: string, taskId: string, task: TaskSpec): Promise<Settled> {
    const items = resolveValue(task.forEach!.items, scope());
    if (!Array.isArray(items)) {
      await record(rc, taskId, name, parentTaskId, { status: 'failed', error: 'loop items are not a list' });
      return { status: 'failed', outputs: {} };
    }
    await record(rc, taskId, name, parentTaskId, { status: 'running' });
    const parallelism = Math.max(1, task.forEach!.parallelism ?? items.length);
    const results: Settled[] = new Array<Settled>(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await runInstance(
          rc,
          name,
          `${taskId}/${i}`,
          task,
          scope({ loopItem: items[i]! }),
          taskId,
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallelism, items.length) }, worker));
    const status: PipelineTaskStatus = results.some((r) => r.status === 'failed')
      ? 'failed'
      : results.some((r) => r.status === 'cancelled')
        ? 'cancelled'
        : 'succeeded';
    // Fan-in: each output as the list of the iterations' values, in item order.
    const outputs: Record<string, Json> = {};
    for (const output of Object.keys(task.component.outputs)) {
      outputs[output] = results.map((r) => r.outputs[output] ?? null);
    }
    await record(rc, taskId, name, parentTaskId, { status, outputs });
    return { status, outputs };
  }

  const main = Object.keys(spec.tasks).filter((name) => name !== spec.exitTask);
  const outcomes = await Promise.all(main.map(settle));
  const failed = main.filter((_, i) => outcomes[i]!.status === 'failed');
  let status: ScopeOutcome['status'] =
    failed.length > 0
      ? 'failed'
      : rc.signal.aborted || outcomes.some((o) => o.status === 'cancelled')
        ? 'cancelled'
        : 'succeeded';
  let error =
    failed.length > 0 ? `task${failed.length > 1 ? 's' : ''} failed: ${failed.join(', ')}` : undefined;

  if (spec.exitTask && !rc.detaching()) {
    // The exit handler runs whatever happened; a cancelled run's exit task gets a signal of its own.
    const exitRc: RunContext = rc.signal.aborted ? { ...rc, signal: new AbortController().signal } : rc;
    const exitTask = spec.tasks[spec.exitTask]!;
    const exitScope = { ...scope({ runStatus: status }) };
    let exit: Settled;
    try {
      exit = await runInstance(
        exitRc,
        spec.exitTask,
        `${prefix}${spec.exitTask}`,
        exitTask,
        exitScope,
        parentTaskId,
      );
    } catch (e) {
      if (!(e instanceof UnresolvedValue)) throw e;
      await record(exitRc, `${prefix}${spec.exitTask}`, spec.exitTask, parentTaskId, {
        status: 'failed',
        error: e.message,
      });
      exit = { status: 'failed', outputs: {} };
    }
    if (exit.status === 'failed' && status === 'succeeded') {
      status = 'failed';
      error = `exit task '${spec.exitTask}' failed`;
    }
  }

  const outputs: Record<string, Json> = {};
  for (const [name, out] of Object.entries(spec.outputs ?? {})) {
    const value = done.get(out.from.task)?.outputs[out.from.output];
    if (value !== undefined) outputs[name] = value;
  }
  return { status, outputs, ...(error ? { error } : {}) };
}

/** Runs one instance of a task (a leaf, or a nested pipeline as a scope of its own) with its inputs resolved. */
async function runInstance(
  rc: RunContext,
  name: string,
  taskId: string,
  task: TaskSpec,
  values: ValueScope,
  parent: string | null,
): Promise<Settled> {
  const inputs: Record<string, Json> = {};
  for (const [input, io] of Object.entries(task.component.inputs)) {
    const ref = task.arguments[input];
    if (ref) inputs[input] = resolveValue(ref, values);
    else if (io.kind === 'parameter' && io.default !== undefined) inputs[input] = io.default;
  }
  const impl = task.component.implementation;
  if ('pipeline' in impl) {
    await record(rc, taskId, name, parent, { status: 'running', inputs });
    const outcome = await runScope(
      rc,
      impl.pipeline,
      withDefaults(impl.pipeline, inputs),
      `${taskId}/`,
      taskId,
    );
    await record(rc, taskId, name, parent, {
      status: outcome.status,
      outputs: outcome.outputs,
      error: outcome.error ?? null,
    });
    return { status: outcome.status, outputs: outcome.outputs };
  }
  const outcome = await runLeaf(rc, {
    taskId,
    name,
    parentTaskId: parent,
    task,
    component: task.component,
    inputs,
  });
  return { status: outcome.status, outputs: outcome.outputs };
}
