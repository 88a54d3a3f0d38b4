/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely here; shapes are asserted */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND_NAMES } from './helpers/test-app.js';
import { call, createPipelinesApp, expectError, ok, twoStepSpec } from './helpers/pipelines-app.js';
import type { PipelinesApp } from './helpers/pipelines-app.js';

let t: PipelinesApp;

describe.each(BACKEND_NAMES)('pipeline schedules over HTTP on %s', (backend) => {
  let pipelineId: string;
  beforeEach(async () => {
    t = await createPipelinesApp(backend);
    pipelineId = (await ok(t.app, 'POST', 'pipelines/create', { name: 'two-step' })).pipeline.pipeline_id;
    await ok(t.app, 'POST', 'pipelines/versions/create', { pipeline_id: pipelineId, spec: twoStepSpec() });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('creates, gets, lists, updates and deletes schedules, with next_fire_at computed', async () => {
    const before = Date.now();
    const nightly = (
      await ok(t.app, 'POST', 'pipelines/schedules/create', {
        name: 'nightly',
        pipeline_id: 'two-step',
        cron: '0 2 * * *',
        timezone: 'Europe/Berlin',
        parameters: { rows: 10 },
      })
    ).schedule;
    expect(nightly).toEqual({
      schedule_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'nightly',
      pipeline_id: pipelineId,
      pipeline_version: null,
      parameters: { rows: 10 },
      experiment_id: '0',
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
      interval_ms: null,
      max_concurrency: 1,
      catchup: false,
      enabled: true,
      next_fire_at: expect.any(Number),
      last_fired_at: null,
      created_at: expect.any(Number),
      updated_at: expect.any(Number),
    });
    // The next 02:00 in Berlin: within a day, on a whole minute.
    expect(nightly.next_fire_at).toBeGreaterThan(before);
    expect(nightly.next_fire_at).toBeLessThanOrEqual(before + 25 * 3600_000);
    expect(nightly.next_fire_at % 60_000).toBe(0);

    const often = (
      await ok(t.app, 'POST', 'pipelines/schedules/create', {
        name: 'often',
        pipeline_id: pipelineId,
        pipeline_version: 1,
        interval_ms: 60_000,
        max_concurrency: 2,
        catchup: true,
        enabled: false,
      })
    ).schedule;
    expect(often).toMatchObject({
      pipeline_version: 1,
      cron: null,
      interval_ms: 60_000,
      max_concurrency: 2,
      catchup: true,
      enabled: false,
      next_fire_at: null,
    });

    expect(
      (await ok(t.app, 'GET', 'pipelines/schedules/get', { schedule_id: nightly.schedule_id })).schedule,
    ).toEqual(nightly);
    expect((await ok(t.app, 'GET', 'pipelines/schedules/get', { schedule_id: 'often' })).schedule).toEqual(
      often,
    );
    const listed = await ok(t.app, 'GET', 'pipelines/schedules/list', { pipeline_id: pipelineId });
    expect(listed.schedules.map((s: any) => s.name)).toEqual(['nightly', 'often']);
    const paged = await ok(t.app, 'GET', 'pipelines/schedules/list', { max_results: 1 });
    expect(paged.schedules.map((s: any) => s.name)).toEqual(['nightly']);
    expect(paged.next_page_token).toEqual(expect.any(String));
    const otherId = (await ok(t.app, 'POST', 'pipelines/create', { name: 'other' })).pipeline.pipeline_id;
    expect((await ok(t.app, 'GET', 'pipelines/schedules/list', { pipeline_id: otherId })).schedules).toEqual(
      [],
    );

    // Enabling computes the next fire time; an interval schedule fires one interval from now.
    const start = Date.now();
    const enabled = (
      await ok(t.app, 'POST', 'pipelines/schedules/update', { schedule_id: often.schedule_id, enabled: true })
    ).schedule;
    expect(enabled.enabled).toBe(true);
    expect(enabled.next_fire_at).toBeGreaterThanOrEqual(start + 60_000);
    expect(enabled.next_fire_at).toBeLessThanOrEqual(Date.now() + 60_000);

    // Changing what runs leaves the pending fire alone.
    const reparam = (
      await ok(t.app, 'POST', 'pipelines/schedules/update', {
        schedule_id: 'often',
        parameters: { rows: 1 },
        max_concurrency: 3,
        catchup: false,
      })
    ).schedule;
    expect(reparam).toMatchObject({ parameters: { rows: 1 }, max_concurrency: 3, catchup: false });
    expect(reparam.next_fire_at).toBe(enabled.next_fire_at);

    // Giving a cron expression turns an interval schedule into a cron one.
    const toCron = (
      await ok(t.app, 'POST', 'pipelines/schedules/update', {
        schedule_id: often.schedule_id,
        cron: '*/5 * * * *',
        timezone: 'UTC',
      })
    ).schedule;
    expect(toCron).toMatchObject({ cron: '*/5 * * * *', timezone: 'UTC', interval_ms: null });
    expect(toCron.next_fire_at % 300_000).toBe(0);
    const disabled = (
      await ok(t.app, 'POST', 'pipelines/schedules/update', {
        schedule_id: often.schedule_id,
        enabled: false,
      })
    ).schedule;
    expect(disabled).toMatchObject({ enabled: false, next_fire_at: null });

    expect(await ok(t.app, 'POST', 'pipelines/schedules/delete', { schedule_id: 'often' })).toEqual({});
    expectError(
      await call(t.app, 'GET', 'pipelines/schedules/get', { schedule_id: often.schedule_id }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expect((await ok(t.app, 'GET', 'pipelines/schedules/list')).schedules.map((s: any) => s.name)).toEqual([
      'nightly',
    ]);
    // Deleting the pipeline deletes its schedules.
    await ok(t.app, 'POST', 'pipelines/delete', { pipeline_id: pipelineId });
    expect((await ok(t.app, 'GET', 'pipelines/schedules/list')).schedules).toEqual([]);
  });

  it('refuses bad timing, unknown references and taken names', async () => {
    const create = (body: Record<string, unknown>) =>
      call(t.app, 'POST', 'pipelines/schedules/create', { name: 's', pipeline_id: pipelineId, ...body });
    expectError(
      await create({ cron: '* * * * *', interval_ms: 60_000 }),
      400,
      'INVALID_PARAMETER_VALUE',
      /not both/,
    );
    expectError(await create({}), 400, 'INVALID_PARAMETER_VALUE', /cron expression or an interval/);
    expectError(
      await create({ cron: '0 2 * * *', timezone: 'Mars/Olympus' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /time zone 'Mars\/Olympus'/,
    );
    expectError(await create({ interval_ms: 999 }), 400, 'INVALID_PARAMETER_VALUE', /1000/);
    expectError(await create({ cron: 'every day' }), 400, 'INVALID_PARAMETER_VALUE', /cron/);
    expectError(
      await create({ interval_ms: 5000, max_concurrency: 0 }),
      400,
      'INVALID_PARAMETER_VALUE',
      /max_concurrency/,
    );
    expectError(
      await create({ interval_ms: 5000, parameters: [1] }),
      400,
      'INVALID_PARAMETER_VALUE',
      /parameters/,
    );
    expectError(
      await create({ interval_ms: 5000, pipeline_id: '0123456789abcdef0123456789abcdef' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(await create({ interval_ms: 5000, pipeline_version: 9 }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await create({ interval_ms: 5000, experiment_id: '424242' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect((await ok(t.app, 'GET', 'pipelines/schedules/list')).schedules).toEqual([]);

    const { schedule } = await ok(t.app, 'POST', 'pipelines/schedules/create', {
      name: 's',
      pipeline_id: pipelineId,
      interval_ms: 5000,
    });
    expectError(await create({ interval_ms: 5000 }), 400, 'RESOURCE_ALREADY_EXISTS');
    const update = (body: Record<string, unknown>) =>
      call(t.app, 'POST', 'pipelines/schedules/update', { schedule_id: schedule.schedule_id, ...body });
    expectError(
      await update({ cron: '* * * * *', interval_ms: 5000 }),
      400,
      'INVALID_PARAMETER_VALUE',
      /not both/,
    );
    expectError(await update({ interval_ms: 10 }), 400, 'INVALID_PARAMETER_VALUE', /1000/);
    expectError(await update({ timezone: 'Nowhere/Town' }), 400, 'INVALID_PARAMETER_VALUE', /time zone/);
    expect((await ok(t.app, 'GET', 'pipelines/schedules/get', { schedule_id: 's' })).schedule).toEqual(
      schedule,
    );

    const missing = '0123456789abcdef0123456789abcdef';
    expectError(
      await call(t.app, 'POST', 'pipelines/schedules/update', { schedule_id: missing, enabled: false }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call(t.app, 'POST', 'pipelines/schedules/delete', { schedule_id: missing }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call(t.app, 'GET', 'pipelines/schedules/list', { pipeline_id: missing }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await call(t.app, 'GET', 'pipelines/runs/list', { schedule_id: missing }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expect((await ok(t.app, 'GET', 'pipelines/runs/list', { schedule_id: 's' })).runs).toEqual([]);
  });
});
