import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FerryError } from '@ferry/core';
import { LocalArtifactStore } from '@ferry/artifacts';
import { Artifact, compilePipeline, pipeline, step } from '@ferry/pipeline';
import type { PipelineSpec } from '@ferry/pipeline';
import { createApp, createPipelineRunner } from '@ferry/server';
import type { PipelineRunner } from '@ferry/server';
import { sqlStores } from '@ferry/store';
import type { SqlTrackingStore } from '@ferry/store';
import { openTestServer } from './helpers/test-server.js';
import { TrackingSession } from '../src/index.js';
import type { PipelineRun, PipelineTask, PipelinesClient } from '../src/index.js';

// The SDK's pipelines client against the server app with a pipeline controller, on a fresh SQLite
// database, through `fetch` (no port): tasks are real `sh -c` commands run by the local executor.

let dir: string;
let store: SqlTrackingStore;
let runner: PipelineRunner;
let session: TrackingSession;
let client: PipelinesClient;

beforeAll(async () => {
  ({ dir, store } = await openTestServer('ferry-sdk-pipelines-'));
  const stores = sqlStores(store);
  const artifactProxy = new LocalArtifactStore({ root: join(dir, 'served') });
  runner = createPipelineRunner({
    pipelines: stores.pipelines,
    tracking: store,
    artifactProxy,
    workDir: join(dir, 'pipeline-work'),
    trackingUri: 'http://127.0.0.1:9',
    concurrency: 2,
    controllerOptions: { leaseMs: 2000, pollMs: 100 },
  });
  const app = createApp(
    { ...stores, artifactProxy, pipelineController: runner.controller, pipelineWorkDir: runner.workDir },
    { log: () => {} },
  );
  session = new TrackingSession({
    trackingUri: 'http://ferry.test',
    fetch: (r) => app.fetch(r),
    env: {},
    captureSource: false,
  });
  client = session.pipelines;
});
afterAll(async () => {
  await session?.close();
  await runner?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const greet = step({
  name: 'greet',
  inputs: { who: z.string() },
  outputs: { text: Artifact },
  command: ['sh', '-c', 'echo "greeting {{inputs.who}}"; echo "hello {{inputs.who}}" > {{outputs.text}}'],
});
const count = step({
  name: 'count',
  inputs: { text: Artifact },
  outputs: { chars: z.number() },
  command: ['sh', '-c', 'wc -c < {{inputs.text}} | tr -d " " > {{outputs.chars}}'],
});
const hello = pipeline({ name: 'hello', parameters: { who: z.string().default('world') } }, (params) => {
  const g = greet({ who: params.who });
  const c = count({ text: g.outputs.text });
  return { chars: c.outputs.chars };
});

/** A one-task spec running a shell script. */
function shellSpec(name: string, script: string): PipelineSpec {
  return {
    apiVersion: 'ferry.pipeline/v1',
    name,
    parameters: {},
    tasks: {
      main: {
        component: {
          name: 'main',
          inputs: {},
          outputs: {},
          implementation: { command: ['sh', '-c', script] },
        },
        arguments: {},
      },
    },
  };
}

const FAST = { pollMs: 50, timeoutMs: 30_000 };

describe('pipelines and versions', () => {
  it('creates, finds, lists, versions and deletes pipelines', async () => {
    const created = await client.createPipeline('sdk-demo', { description: 'a demo' });
    expect(created).toMatchObject({ name: 'sdk-demo', description: 'a demo', latestVersion: null });
    expect(created.pipelineId).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof created.createdAt).toBe('number');

    expect(await client.getPipeline('sdk-demo')).toEqual(created);
    expect(await client.getPipeline(created.pipelineId)).toEqual(created);
    expect((await client.ensurePipeline('sdk-demo')).pipelineId).toBe(created.pipelineId);
    const other = await client.ensurePipeline('sdk-other');
    expect(other.pipelineId).not.toBe(created.pipelineId);

    const spec = await compilePipeline(hello);
    const v1 = await client.createVersion(created.pipelineId, spec, { description: 'first' });
    expect(v1).toMatchObject({ pipelineId: created.pipelineId, version: 1, description: 'first' });
    expect(v1.spec).toEqual(spec);
    expect(v1.specDigest).toMatch(/^[0-9a-f]{64}$|^sha256:/);
    const v2 = await client.createVersion(created.pipelineId, spec);
    expect(v2.version).toBe(2);
    expect(await client.getVersion(created.pipelineId, 1)).toEqual(v1);
    expect((await client.listVersions(created.pipelineId)).items.map((v) => v.version)).toEqual([2, 1]);
    const firstPage = await client.listVersions(created.pipelineId, { maxResults: 1 });
    expect(firstPage.items).toHaveLength(1);
    expect(firstPage.nextPageToken).toBeTruthy();
    expect((await client.getPipeline('sdk-demo')).latestVersion).toBe(2);

    const listed = await client.listPipelines({ namePrefix: 'sdk-' });
    expect(listed.items.map((p) => p.name)).toEqual(['sdk-demo', 'sdk-other']);

    await client.deletePipeline(other.pipelineId);
    const gone = await client.getPipeline('sdk-other').catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(FerryError);
    expect((gone as FerryError).code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('reports the server validation of a bad spec as INVALID_PARAMETER_VALUE', async () => {
    const p = await client.createPipeline('sdk-bad');
    const bad = { ...shellSpec('bad', 'true'), apiVersion: 'nope' } as unknown as PipelineSpec;
    const error = await client.createVersion(p.pipelineId, bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe('INVALID_PARAMETER_VALUE');
    expect((error as FerryError).message).toMatch(/apiVersion/);
  });
});

describe('runs', () => {
  it('runs a pipeline definition, waits for it and reads its tasks, logs and lineage', async () => {
    const created = await client.runPipeline(hello, { parameters: { who: 'sdk' }, name: 'first' });
    expect(created).toMatchObject({ name: 'first', pipelineId: null, experimentId: '0' });
    expect(created.parameters).toEqual({ who: 'sdk' });
    expect(['pending', 'running']).toContain(created.status);

    const updates: { run: PipelineRun; tasks: PipelineTask[] }[] = [];
    const done = await client.waitForRun(created.runId, {
      ...FAST,
      onUpdate: (run, tasks) => void updates.push({ run, tasks }),
    });
    expect(done.run.status).toBe('succeeded');
    expect(done.run.finishedAt).toBeGreaterThanOrEqual(done.run.startedAt!);
    expect(done.run.spec?.name).toBe('hello');
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.at(-1)!.run.status).toBe('succeeded');

    const byName = Object.fromEntries(done.tasks.map((t) => [t.name, t]));
    expect(byName.greet).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(byName.count).toMatchObject({ status: 'succeeded' });
    expect(byName.count!.outputs).toMatchObject({ chars: 'hello sdk\n'.length });

    const log = await client.logs(created.runId, byName.greet!.taskId);
    expect(log).toContain('greeting sdk');
    expect(await client.logs(created.runId, byName.greet!.taskId, 1)).toContain('greeting sdk');

    const lineage = await client.lineage({ runId: created.runId });
    const output = lineage.find((a) => a.role === 'output' && a.name === 'text');
    expect(output).toMatchObject({
      runId: created.runId,
      taskId: byName.greet!.taskId,
      artifactType: 'Artifact',
    });
    expect(lineage.some((a) => a.role === 'input' && a.taskId === byName.count!.taskId)).toBe(true);
    expect(await client.artifactProducer(output!.uri)).toMatchObject({ taskId: byName.greet!.taskId });
    expect((await client.lineage({ uri: output!.uri })).length).toBeGreaterThanOrEqual(2);
    expect(await client.artifactProducer('mlflow-artifacts:/nowhere/at/all')).toBeUndefined();
  });

  it('runs a stored version (the latest by default), in an experiment, and lists runs', async () => {
    const p = await client.createPipeline('sdk-stored');
    await client.createVersion(p.pipelineId, shellSpec('stored', 'echo one'));
    await client.createVersion(p.pipelineId, shellSpec('stored', 'echo two'));
    const experimentId = await session.setExperiment('sdk-pipelines');
    const latest = await client.createRun({ pipelineId: p.pipelineId }, { experimentId });
    expect(latest).toMatchObject({ pipelineId: p.pipelineId, pipelineVersion: 2, experimentId });
    const first = await client.createRun({ pipelineId: p.pipelineId, version: 1 }, { noCache: true });
    expect(first.pipelineVersion).toBe(1);
    await client.waitForRun(latest.runId, FAST);
    const { run, tasks } = await client.waitForRun(first.runId, FAST);
    expect(run.status).toBe('succeeded');
    expect(await client.logs(run.runId, tasks[0]!.taskId)).toContain('one');

    const runs = await client.listRuns({ pipelineId: p.pipelineId });
    expect(runs.items.map((r) => r.runId).sort()).toEqual([latest.runId, first.runId].sort());
    expect(runs.items.every((r) => r.spec === undefined)).toBe(true);
    expect(
      (await client.listRuns({ pipelineId: p.pipelineId, statuses: ['failed', 'cancelled'] })).items,
    ).toEqual([]);
    expect(
      (await client.listRuns({ pipelineId: p.pipelineId, statuses: ['succeeded'], maxResults: 1 })).items,
    ).toHaveLength(1);
  });

  it('retries a failed run, keeping what succeeded', async () => {
    const marker = join(dir, 'retry-marker');
    const run = await client.runPipeline(
      shellSpec('flaky', `test -f ${marker} || { echo "no marker"; exit 4; }`),
      {
        wait: FAST,
      },
    );
    expect(run.status).toBe('failed');
    const { tasks } = await client.getRun(run.runId);
    expect(tasks[0]).toMatchObject({ status: 'failed' });
    expect(await client.logs(run.runId, tasks[0]!.taskId)).toContain('no marker');

    await writeFile(marker, '');
    const retried = await client.retryRun(run.runId);
    expect(retried.runId).toBe(run.runId);
    expect((await client.waitForRun(run.runId, FAST)).run.status).toBe('succeeded');

    const again = await client.retryRun(run.runId).catch((e: unknown) => e);
    expect((again as FerryError).code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('cancels a running run', async () => {
    const marker = join(dir, 'started-marker');
    const run = await client.createRun({ spec: shellSpec('slow', `touch ${marker}; sleep 30`) });
    const deadline = Date.now() + 20_000;
    while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const cancelling = await client.cancelRun(run.runId);
    expect(['cancelling', 'cancelled']).toContain(cancelling.status);
    const done = await client.waitForRun(run.runId, FAST);
    expect(done.run.status).toBe('cancelled');
  });

  it('gives up waiting after timeoutMs', async () => {
    const run = await client.createRun({ spec: shellSpec('sleepy', 'sleep 5') });
    const error = await client.waitForRun(run.runId, { pollMs: 50, timeoutMs: 200 }).catch((e: unknown) => e);
    expect((error as FerryError).code).toBe('DEADLINE_EXCEEDED');
    await client.cancelRun(run.runId);
    await client.waitForRun(run.runId, FAST);
  });

  it('throws FerryError for unknown runs', async () => {
    const error = await client.getRun('0'.repeat(32)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('schedules', () => {
  it('creates, reads, lists, updates and deletes schedules', async () => {
    const p = await client.createPipeline('sdk-scheduled');
    await client.createVersion(p.pipelineId, shellSpec('scheduled', 'true'));
    const hourly = await client.createSchedule({
      name: 'sdk-hourly',
      pipelineId: p.pipelineId,
      cron: '0 * * * *',
      timezone: 'Europe/Paris',
      parameters: { x: 1 },
      enabled: false,
    });
    expect(hourly).toMatchObject({
      name: 'sdk-hourly',
      pipelineId: p.pipelineId,
      pipelineVersion: null,
      cron: '0 * * * *',
      timezone: 'Europe/Paris',
      intervalMs: null,
      maxConcurrency: 1,
      catchup: false,
      enabled: false,
      parameters: { x: 1 },
    });
    const interval = await client.createSchedule({
      name: 'sdk-every',
      pipelineId: p.pipelineId,
      pipelineVersion: 1,
      intervalMs: 3_600_000,
      maxConcurrency: 2,
      catchup: true,
    });
    expect(interval).toMatchObject({ intervalMs: 3_600_000, cron: null, maxConcurrency: 2, catchup: true });
    expect(interval.enabled).toBe(true);
    expect(interval.nextFireAt).toBeGreaterThan(Date.now());

    expect(await client.getSchedule('sdk-hourly')).toEqual(hourly);
    expect((await client.listSchedules({ pipelineId: p.pipelineId })).items.map((s) => s.name)).toEqual([
      'sdk-every',
      'sdk-hourly',
    ]);
    const enabled = await client.updateSchedule(hourly.scheduleId, { enabled: true, maxConcurrency: 3 });
    expect(enabled).toMatchObject({ enabled: true, maxConcurrency: 3 });
    expect(enabled.nextFireAt).not.toBeNull();

    await client.deleteSchedule(hourly.scheduleId);
    expect((await client.listSchedules({ pipelineId: p.pipelineId })).items.map((s) => s.name)).toEqual([
      'sdk-every',
    ]);
    const bad = await client
      .createSchedule({ name: 'sdk-both', pipelineId: p.pipelineId, cron: '* * * * *', intervalMs: 1000 })
      .catch((e: unknown) => e);
    expect((bad as FerryError).code).toBe('INVALID_PARAMETER_VALUE');
  });
});
