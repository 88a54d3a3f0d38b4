import type { Json, PipelineSpec } from '@ferry/pipeline';
import type { PipelineSchedule, PipelineStore } from '@ferry/store';
import type { PipelineController } from '../controller/controller.js';
import { latestFireTime, nextFireTime } from './next-fire.js';

export interface SchedulerDeps {
  pipelines: PipelineStore;
  /** Starts the runs (any controller on the database: the run is driven by whoever holds its lease). */
  controller: Pick<PipelineController, 'submit'>;
  now?: () => number;
  /** Diagnostics: skipped and failed fires. Default: console.error. */
  log?: (message: string) => void;
}

export interface SchedulerOptions {
  /** How often due schedules are looked for. Default 1000 ms. */
  pollMs?: number;
}

/** What one due schedule does now: the fire time it runs for and the next time it is due. */
interface Plan {
  /** The scheduled time this fire stands for (named in the run). */
  fireAt: number;
  /** The new nextFireAt; null: never again (a cron expression with no further match). */
  next: number | null;
}

/**
 * Fires pipeline schedules: every `pollMs` it starts a run for each enabled schedule whose
 * nextFireAt has come. Nothing is kept in memory; the schedule rows are the whole state, so a
 * restarted scheduler carries on from the stored nextFireAt, and several schedulers (server
 * replicas) can share one database: each fire is claimed with `advanceSchedule`, an atomic
 * compare-and-set of nextFireAt, and only the one that wins it submits the run.
 *
 * - Catch-up off (the default): a schedule that missed several times (the server was down) runs once,
 *   for the latest missed time, and is next due at its first fire time after now (Kubeflow's
 *   behaviour with catchup disabled).
 * - Catch-up on: every missed time runs, one per tick and schedule, oldest first, until the schedule
 *   has caught up.
 * - maxConcurrency: when the schedule already has that many runs not finished, the fire is skipped
 *   (still advanced, so it is not retried) and logged.
 * - A disabled schedule is never listed as due. Whoever enables it (or changes its timing) sets
 *   nextFireAt again, to `nextFireTime(schedule, now)`, so it does not fire for the time it was off.
 *
 * A failing schedule (pipeline without versions, invalid spec or parameters) is logged and its fire
 * is consumed; the other schedules are not held up.
 */
export class PipelineScheduler {
  readonly #deps: SchedulerDeps;
  readonly #pollMs: number;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<unknown> | undefined;

  constructor(deps: SchedulerDeps, options: SchedulerOptions = {}) {
    this.#deps = deps;
    this.#pollMs = options.pollMs ?? 1000;
  }

  #now(): number {
    return this.#deps.now?.() ?? Date.now();
  }

  #log(message: string): void {
    (this.#deps.log ?? ((m: string) => console.error(`ferry: ${m}`)))(`pipeline scheduler: ${message}`);
  }

  /** Ticks now and every pollMs until stop(). */
  start(): void {
    if (this.#timer) return;
    const tick = () => {
      this.#ticking ??= this.tick()
        .catch((error: unknown) => this.#log(`tick failed: ${(error as Error).message}`))
        .finally(() => (this.#ticking = undefined));
    };
    tick();
    this.#timer = setInterval(tick, this.#pollMs);
    this.#timer.unref();
  }

  /** Stops ticking; resolves once a tick under way has finished. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
  }

  /** Fires every schedule due now (at most once each); returns how many runs it started. */
  async tick(): Promise<number> {
    const now = this.#now();
    let started = 0;
    for (const schedule of await this.#deps.pipelines.listDueSchedules(now)) {
      try {
        if (await this.#fire(schedule, now)) started++;
      } catch (error) {
        this.#log(`schedule '${schedule.name}' (${schedule.id}) failed to fire: ${(error as Error).message}`);
      }
    }
    return started;
  }

  #plan(schedule: PipelineSchedule, dueAt: number, now: number): Plan {
    if (schedule.catchup) return { fireAt: dueAt, next: nextFireTime(schedule, dueAt) };
    const fireAt = latestFireTime(schedule, dueAt, now);
    // Intervals stay on their grid (dueAt + k * intervalMs); cron times are absolute anyway.
    return { fireAt, next: nextFireTime(schedule, schedule.cron != null ? now : fireAt) };
  }

  async #fire(schedule: PipelineSchedule, now: number): Promise<boolean> {
    const { pipelines, controller } = this.#deps;
    const dueAt = schedule.nextFireAt;
    if (!schedule.enabled || dueAt === null || dueAt > now) return false;
    let plan: Plan;
    try {
      plan = this.#plan(schedule, dueAt, now);
    } catch (error) {
      // Timing the store took but that cannot be evaluated: stop it rather than fail every tick.
      if (await pipelines.advanceSchedule(schedule.id, dueAt, null)) {
        this.#log(
          `schedule '${schedule.name}' (${schedule.id}) has invalid timing and is stopped until updated: ${(error as Error).message}`,
        );
      }
      return false;
    }
    // The claim: exactly one of several schedulers moves nextFireAt on from dueAt, and only it fires.
    if (!(await pipelines.advanceSchedule(schedule.id, dueAt, plan.next))) return false;
    const fireTime = new Date(plan.fireAt).toISOString();
    const active = await pipelines.countActiveRuns(schedule.id);
    if (active >= schedule.maxConcurrency) {
      this.#log(
        `schedule '${schedule.name}' (${schedule.id}) skipped its fire of ${fireTime}: ${active} run(s) still active, maxConcurrency ${schedule.maxConcurrency}`,
      );
      return false;
    }
    const version =
      schedule.pipelineVersion ?? (await pipelines.getPipeline(schedule.pipelineId)).latestVersion;
    if (version === null) throw new Error(`pipeline ${schedule.pipelineId} has no versions`);
    const { spec } = await pipelines.getPipelineVersion(schedule.pipelineId, version);
    await controller.submit({
      spec: spec as PipelineSpec,
      parameters: schedule.parameters as Record<string, Json>,
      experimentId: schedule.experimentId,
      pipelineId: schedule.pipelineId,
      pipelineVersion: version,
      scheduleId: schedule.id,
      name: `${schedule.name}-${fireTime}`,
    });
    return true;
  }
}
