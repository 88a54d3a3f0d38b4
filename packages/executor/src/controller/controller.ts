import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { invalidParam } from '@ferry/core';
import { PipelineCompileError, parseSpec } from '@ferry/pipeline';
import type { Json, PipelineSpec } from '@ferry/pipeline';
import type { PipelineRun, PipelineRunStatus } from '@ferry/store';
import { checkParameters } from './parameters.js';
import type { ControllerDeps, RunContext } from './run-context.js';
import { runScope, withDefaults } from './scope-runner.js';
import { PIPELINE_RUN_TAG, createTrackedRun, finishTrackedRun } from './tracking.js';

export interface SubmitInput {
  spec: PipelineSpec;
  parameters?: Record<string, Json>;
  experimentId: string;
  name?: string;
  pipelineId?: string;
  pipelineVersion?: number;
  scheduleId?: string;
  /** Run every task, ignoring cached results (results are still cached for later runs). */
  noCache?: boolean;
}

export interface ControllerOptions {
  /** How long a claim on a run lasts without renewal; another controller takes over after it. */
  leaseMs?: number;
  /** How often unowned runs are looked for (new, or left by a stopped controller). */
  pollMs?: number;
}

/** A spec as the controller runs it: checked in full, its problems reported as INVALID_PARAMETER_VALUE. */
function checkedSpec(spec: unknown): PipelineSpec {
  try {
    return parseSpec(spec);
  } catch (error) {
    if (error instanceof PipelineCompileError) throw invalidParam(`Invalid pipeline spec: ${error.message}`);
    throw error;
  }
}

const FINISHED: ReadonlySet<PipelineRunStatus> = new Set(['succeeded', 'failed', 'cancelled']);

interface Active {
  abort: AbortController;
  detach: boolean;
  done: Promise<void>;
}

/**
 * Runs pipelines: keeps every run, task and cached result in the PipelineStore and drives runs it
 * holds a lease on. Several controllers (server replicas) can share one database: a run is driven by
 * the one holding its lease, renewed while it drives; a controller that stops or dies loses it, and
 * another one resumes the run where the store says it was (finished tasks keep their outputs, tasks
 * left running are re-attached or run again).
 */
export class PipelineController {
  readonly owner = randomUUID();
  readonly #deps: ControllerDeps;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #active = new Map<string, Active>();
  #poller: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #stopped = false;

  constructor(deps: ControllerDeps, options: ControllerOptions = {}) {
    this.#deps = deps;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#pollMs = options.pollMs ?? 1000;
  }

  #now(): number {
    return this.#deps.now?.() ?? Date.now();
  }

  /** Starts looking for runs to drive (new ones, and ones whose controller went away). */
  start(): void {
    if (this.#poller) return;
    this.#stopped = false;
    const tick = () => {
      this.#polling ??= this.#pickUp().finally(() => (this.#polling = undefined));
    };
    tick();
    this.#poller = setInterval(tick, this.#pollMs);
    this.#poller.unref();
  }

  async #pickUp(): Promise<void> {
    try {
      for (const run of await this.#deps.pipelines.listClaimablePipelineRuns(this.#now())) {
        if (this.#stopped) return;
        if (!this.#active.has(run.id)) this.#drive(run.id);
      }
    } catch (error) {
      this.#deps.log?.(`pipeline controller: looking for runs failed: ${(error as Error).message}`);
    }
  }

  /** Creates a run (and its tracking run) and starts driving it here. */
  async submit(input: SubmitInput): Promise<PipelineRun> {
    const spec = checkedSpec(input.spec);
    const parameters = checkParameters(spec, input.parameters ?? {});
    const { pipelines, tracking } = this.#deps;
    const name = input.name ?? `${spec.name}-${new Date(this.#now()).toISOString().replace(/[:.]/g, '-')}`;
    const run = await pipelines.createPipelineRun({
      name,
      spec,
      parameters,
      experimentId: input.experimentId,
      ...(input.pipelineId ? { pipelineId: input.pipelineId } : {}),
      ...(input.pipelineVersion !== undefined ? { pipelineVersion: input.pipelineVersion } : {}),
      ...(input.scheduleId ? { scheduleId: input.scheduleId } : {}),
      options: { noCache: input.noCache ?? false },
    });
    const tracked = await createTrackedRun(tracking, {
      experimentId: input.experimentId,
      name,
      tags: { [PIPELINE_RUN_TAG]: run.id, 'ferry.pipeline.name': spec.name },
      params: withDefaults(spec, parameters),
      startTime: this.#now(),
    });
    const updated = await pipelines.updatePipelineRun(run.id, { trackingRunId: tracked.runId });
    if (!this.#stopped) this.#drive(run.id);
    return updated ?? run;
  }

  /** Asks for a run to stop: its running tasks are killed, pending ones cancelled, the exit task still runs. */
  async cancel(runId: string): Promise<PipelineRun> {
    const { pipelines } = this.#deps;
    const run = await pipelines.getPipelineRun(runId);
    if (FINISHED.has(run.status)) return run;
    const updated = await pipelines.updatePipelineRun(runId, { status: 'cancelling' }, [
      'pending',
      'running',
    ]);
    this.#active.get(runId)?.abort.abort();
    return updated ?? (await pipelines.getPipelineRun(runId));
  }

  /**
   * Runs a failed or cancelled run again from where it stopped: tasks that succeeded keep their
   * outputs, failed, cancelled and skipped ones run again.
   */
  async retry(runId: string): Promise<PipelineRun> {
    const { pipelines, tracking } = this.#deps;
    const run = await pipelines.getPipelineRun(runId);
    if (run.status !== 'failed' && run.status !== 'cancelled') {
      throw invalidParam(
        `Pipeline run ${runId} is ${run.status}; only failed or cancelled runs can be retried.`,
      );
    }
    for (const task of await pipelines.listTasks(runId)) {
      if (
        task.status === 'failed' ||
        task.status === 'cancelled' ||
        task.status === 'skipped' ||
        task.status === 'running'
      ) {
        await pipelines.updateTask(runId, task.taskId, {
          status: 'pending',
          error: null,
          finishedAt: null,
          executorHandle: null,
        });
      }
    }
    const updated = await pipelines.updatePipelineRun(
      runId,
      { status: 'pending', finishedAt: null, error: null },
      ['failed', 'cancelled'],
    );
    if (!updated) throw invalidParam(`Pipeline run ${runId} changed while being retried; try again.`);
    if (run.trackingRunId) await tracking.updateRun(run.trackingRunId, { status: 'RUNNING' });
    if (!this.#stopped) this.#drive(runId);
    return updated;
  }

  /** Resolves with the run once it has finished (driven here or elsewhere). */
  async wait(runId: string, pollMs = 200): Promise<PipelineRun> {
    for (;;) {
      await this.#active.get(runId)?.done;
      const run = await this.#deps.pipelines.getPipelineRun(runId);
      if (FINISHED.has(run.status)) return run;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /**
   * Stops driving runs without cancelling them: leases are released so another controller (or this
   * one, started again) resumes them; tasks already started are left to be re-attached or re-run.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#poller) clearInterval(this.#poller);
    this.#poller = undefined;
    await this.#polling;
    for (const active of this.#active.values()) {
      active.detach = true;
      active.abort.abort();
    }
    await Promise.all([...this.#active.values()].map((a) => a.done));
  }

  #drive(runId: string): void {
    if (this.#active.has(runId)) return;
    const active: Active = { abort: new AbortController(), detach: false, done: Promise.resolve() };
    // Every running task, retry wait and loop of the run listens to this one signal.
    setMaxListeners(0, active.abort.signal);
    this.#active.set(runId, active);
    active.done = this.#driveRun(runId, active)
      .catch((error: unknown) => {
        this.#deps.log?.(`pipeline run ${runId}: ${(error as Error).stack ?? String(error)}`);
        return this.#fail(runId, (error as Error).message);
      })
      .finally(() => this.#active.delete(runId));
  }

  async #fail(runId: string, message: string): Promise<void> {
    const run = await this.#deps.pipelines.updatePipelineRun(
      runId,
      { status: 'failed', finishedAt: this.#now(), error: `controller error: ${message}` },
      ['pending', 'running', 'cancelling'],
    );
    if (run?.trackingRunId)
      await finishTrackedRun(this.#deps.tracking, run.trackingRunId, 'FAILED', this.#now());
    await this.#deps.pipelines.releasePipelineRun(runId, this.owner);
  }

  async #driveRun(runId: string, active: Active): Promise<void> {
    const { pipelines, tracking } = this.#deps;
    if (!(await pipelines.claimPipelineRun(runId, this.owner, this.#leaseMs, this.#now()))) return;
    let run = await pipelines.getPipelineRun(runId);
    if (FINISHED.has(run.status)) return pipelines.releasePipelineRun(runId, this.owner);
    if (run.status === 'cancelling') active.abort.abort();
    run =
      (await pipelines.updatePipelineRun(
        runId,
        run.status === 'pending' ? { status: 'running', startedAt: run.startedAt ?? this.#now() } : {},
        ['pending', 'running', 'cancelling'],
      )) ?? run;
    // Renew the lease while driving; notice cancellation asked through another replica; give the
    // run up if the lease was lost (another controller took it over).
    let renewing: Promise<void> | undefined;
    const renew = setInterval(
      () => {
        renewing ??= (async () => {
          const kept = await pipelines.claimPipelineRun(runId, this.owner, this.#leaseMs, this.#now());
          if (!kept) {
            active.detach = true;
            active.abort.abort();
            return;
          }
          const current = await pipelines.getPipelineRun(runId);
          if (current.status === 'cancelling') active.abort.abort();
        })()
          .catch(() => undefined)
          .finally(() => (renewing = undefined));
      },
      Math.max(50, Math.floor(this.#leaseMs / 3)),
    );
    try {
      const rc: RunContext = {
        deps: this.#deps,
        run,
        trackingRunId: run.trackingRunId ?? '',
        signal: active.abort.signal,
        detaching: () => active.detach,
        noCache: run.options['noCache'] === true,
        now: () => this.#now(),
      };
      const spec = run.spec as PipelineSpec;
      const outcome = await runScope(
        rc,
        spec,
        withDefaults(spec, run.parameters as Record<string, Json>),
        '',
        null,
      );
      if (active.detach) return;
      const cancelled = active.abort.signal.aborted || outcome.status === 'cancelled';
      const status: PipelineRunStatus =
        outcome.status === 'failed' ? 'failed' : cancelled ? 'cancelled' : 'succeeded';
      await pipelines.updatePipelineRun(
        runId,
        { status, finishedAt: this.#now(), error: outcome.error ?? null },
        ['running', 'cancelling'],
      );
      if (run.trackingRunId) {
        const trackingStatus =
          status === 'succeeded' ? 'FINISHED' : status === 'failed' ? 'FAILED' : 'KILLED';
        await finishTrackedRun(tracking, run.trackingRunId, trackingStatus, this.#now());
      }
    } finally {
      clearInterval(renew);
      // A renewal still in flight would take the lease back after the release: let it land first.
      await renewing;
      await pipelines.releasePipelineRun(runId, this.owner);
    }
  }
}
