import { invalidParam } from '@ferry/core';
import { nextFireTime, validateScheduleTiming } from '@ferry/executor';
import type { ScheduleTiming } from '@ferry/executor';
import type { PipelineSchedulePatch } from '@ferry/store';
import type { Fields } from '../http/message.js';
import { wireSchedule } from '../pipelines/wire.js';
import {
  given,
  listBody,
  optionalObject,
  optionalPositiveInt,
  paging,
  pipelinesOf,
} from './pipelines-common.js';
import type { ApiRoute } from './route.js';

/** The next fire time from now of an enabled schedule (null when disabled, or when the cron never matches). */
function nextFire(timing: ScheduleTiming, enabled: boolean): number | null {
  return enabled ? nextFireTime(timing, Date.now()) : null;
}

function readTimezone(fields: Fields): string | undefined {
  const timezone = given(fields, 'timezone');
  if (timezone === undefined) return undefined;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: timezone });
  } catch {
    throw invalidParam(
      `Unknown time zone '${timezone}': expected an IANA time zone such as 'Europe/Berlin'.`,
    );
  }
  return timezone;
}

/** The timing fields given in a request; both cron and interval_ms at once is a 400. */
function readTiming(fields: Fields): { cron?: string; timezone?: string; intervalMs?: number } {
  const cron = given(fields, 'cron');
  const intervalMs = fields.optionalInt('interval_ms');
  if (cron !== undefined && intervalMs !== undefined) {
    throw invalidParam("Give either 'cron' or 'interval_ms', not both.");
  }
  const timezone = readTimezone(fields);
  return {
    ...(cron !== undefined ? { cron } : {}),
    ...(timezone !== undefined ? { timezone } : {}),
    ...(intervalMs !== undefined ? { intervalMs } : {}),
  };
}

const scheduleRef = (fields: Fields): string => fields.string('schedule_id');

/** Schedules: runs of a pipeline started by a cron expression or a fixed interval. */
export const pipelineScheduleRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/pipelines/schedules/create',
    async handle({ fields, deps }) {
      const store = pipelinesOf(deps);
      const name = fields.string('name');
      const pipeline = await store.getPipeline(fields.string('pipeline_id'));
      const pipelineVersion = optionalPositiveInt(fields, 'pipeline_version') ?? null;
      const parameters = optionalObject(fields, 'parameters') ?? {};
      const experimentId = given(fields, 'experiment_id') ?? '0';
      const requested = readTiming(fields);
      const timing: ScheduleTiming = {
        cron: requested.cron ?? null,
        timezone: requested.timezone ?? null,
        intervalMs: requested.intervalMs ?? null,
      };
      validateScheduleTiming(timing);
      const maxConcurrency = optionalPositiveInt(fields, 'max_concurrency') ?? 1;
      const catchup = fields.optionalBool('catchup') ?? false;
      const enabled = fields.optionalBool('enabled') ?? true;
      await deps.store.getExperiment(experimentId);
      if (pipelineVersion !== null) await store.getPipelineVersion(pipeline.id, pipelineVersion);
      const schedule = await store.createSchedule({
        name,
        pipelineId: pipeline.id,
        pipelineVersion,
        parameters,
        experimentId,
        ...timing,
        maxConcurrency,
        catchup,
        enabled,
        nextFireAt: nextFire(timing, enabled),
      });
      return { schedule: wireSchedule(schedule) };
    },
  },
  {
    method: 'GET',
    path: '/pipelines/schedules/get',
    async handle({ fields, deps }) {
      return { schedule: wireSchedule(await pipelinesOf(deps).getSchedule(scheduleRef(fields))) };
    },
  },
  {
    method: 'GET',
    path: '/pipelines/schedules/list',
    async handle({ fields, deps }) {
      const store = pipelinesOf(deps);
      const pipelineRef = given(fields, 'pipeline_id');
      const pipelineId = pipelineRef ? (await store.getPipeline(pipelineRef)).id : undefined;
      const page = await store.listSchedules({ ...paging(fields), ...(pipelineId ? { pipelineId } : {}) });
      return listBody('schedules', page, wireSchedule);
    },
  },
  {
    method: 'POST',
    path: '/pipelines/schedules/update',
    async handle({ fields, deps }) {
      const store = pipelinesOf(deps);
      const current = await store.getSchedule(scheduleRef(fields));
      const change = readTiming(fields);
      const enabled = fields.optionalBool('enabled');
      const maxConcurrency = optionalPositiveInt(fields, 'max_concurrency');
      const catchup = fields.optionalBool('catchup');
      const parameters = optionalObject(fields, 'parameters');
      // Giving a cron expression turns an interval schedule into a cron one, and the other way round.
      const timing: ScheduleTiming = {
        cron: change.cron ?? (change.intervalMs !== undefined ? null : current.cron),
        timezone: change.timezone ?? current.timezone,
        intervalMs: change.intervalMs ?? (change.cron !== undefined ? null : current.intervalMs),
      };
      validateScheduleTiming(timing);
      const retimed =
        timing.cron !== current.cron ||
        timing.timezone !== current.timezone ||
        timing.intervalMs !== current.intervalMs ||
        (enabled !== undefined && enabled !== current.enabled);
      const nowEnabled = enabled ?? current.enabled;
      const patch: PipelineSchedulePatch = {
        ...timing,
        ...(enabled !== undefined ? { enabled } : {}),
        ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
        ...(catchup !== undefined ? { catchup } : {}),
        ...(parameters !== undefined ? { parameters } : {}),
        // A new timing (or re-enabling) starts counting from now; otherwise the pending fire stands.
        ...(retimed ? { nextFireAt: nextFire(timing, nowEnabled) } : {}),
      };
      return { schedule: wireSchedule(await store.updateSchedule(current.id, patch)) };
    },
  },
  {
    method: 'POST',
    path: '/pipelines/schedules/delete',
    async handle({ fields, deps }) {
      const store = pipelinesOf(deps);
      const schedule = await store.getSchedule(scheduleRef(fields));
      await store.deleteSchedule(schedule.id);
      return {};
    },
  },
];
