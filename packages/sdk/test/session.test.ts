import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/core';
import { createApp } from '@ferry/server';
import { SqlTrackingStore, sqlStores, sqliteAdapter } from '@ferry/store';
import { TrackingSession } from '../src/index.js';
import type { FetchLike } from '../src/index.js';

// The SDK against the real server app, in process (its fetch handler, no port).
let dir: string;
let store: SqlTrackingStore;
let appFetch: FetchLike;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-sdk-'));
  store = new SqlTrackingStore({
    adapter: sqliteAdapter(join(dir, 'f.db')),
    defaultArtifactRoot: 'mlflow-artifacts:/',
  });
  await store.open();
  const app = createApp({ ...sqlStores(store) }, { log: () => {} });
  appFetch = (request) => app.fetch(request);
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const session = (env: Record<string, string> = {}, fetch: FetchLike = appFetch) =>
  new TrackingSession({
    trackingUri: 'http://ferry.test',
    fetch,
    env,
    captureSource: false,
    retry: { maxAttempts: 6, initialDelayMs: 1, maxDelayMs: 5 },
  });

describe('TrackingSession', () => {
  it('logs a run end to end and reads it back through the REST API', async () => {
    const ferry = session();
    const experimentId = await ferry.setExperiment('sdk-e2e');
    expect(await ferry.setExperiment('sdk-e2e')).toBe(experimentId);
    const run = await ferry.startRun({ runName: 'first', tags: { team: 'vision' } });
    await run.logParams({ lr: 0.01, epochs: 3, optimizer: 'adam' });
    for (let step = 0; step < 3000; step++) await run.logMetric('loss', 1 / (step + 1), { step });
    await run.logMetrics({ acc: 0.9, nan: NaN, inf: Infinity }, { step: 7 });
    await run.setTag('stage', 'dev');
    await ferry.endRun();

    const stored = await store.getRun(run.runId);
    expect(stored.info.status).toBe('FINISHED');
    expect(stored.info.end_time).toBeGreaterThan(0);
    expect(stored.info.run_name).toBe('first');
    expect(stored.data.params).toEqual(
      expect.arrayContaining([
        { key: 'lr', value: '0.01' },
        { key: 'epochs', value: '3' },
        { key: 'optimizer', value: 'adam' },
      ]),
    );
    const tags = Object.fromEntries((stored.data.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({
      team: 'vision',
      stage: 'dev',
      'mlflow.source.type': 'LOCAL',
      'mlflow.runName': 'first',
    });
    expect(tags['mlflow.user']).toBeTruthy();
    const history = await ferry.getMetricHistory(run.runId, 'loss');
    expect(history.map((m) => m.step)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    const latest = Object.fromEntries((stored.data.metrics ?? []).map((m) => [m.key, m.value]));
    expect(latest.acc).toBe(0.9);
    expect(latest.nan).toBeNaN();
    expect(latest.inf).toBe(Number.MAX_VALUE);

    const found = await ferry.searchRuns({
      experimentIds: [experimentId],
      filter: "params.optimizer = 'adam'",
    });
    expect(found.items.map((r) => r.info.run_id)).toEqual([run.runId]);
  });

  it('setExperiment from many sessions at once ends in one experiment', async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, () => session().setExperiment('raced')));
    expect(new Set(ids).size).toBe(1);
  });

  it('sets the parent tag on nested runs and refuses a second top-level run', async () => {
    const ferry = session();
    const parent = await ferry.startRun();
    await expect(ferry.startRun()).rejects.toThrow(/already active/);
    const child = await ferry.startRun({ nested: true });
    expect(ferry.activeRun()).toBe(child);
    await ferry.endRun();
    await ferry.endRun();
    const stored = await store.getRun(child.runId);
    expect(stored.data.tags).toContainEqual({ key: 'mlflow.parentRunId', value: parent.runId });
    expect(ferry.activeRun()).toBeUndefined();
  });

  it('withRun ends the run FAILED when the body throws, FINISHED otherwise', async () => {
    const ferry = session();
    let failedId = '';
    await expect(
      ferry.withRun(async (run) => {
        failedId = run.runId;
        await run.logMetric('m', 1);
        throw new Error('training diverged');
      }),
    ).rejects.toThrow('training diverged');
    expect((await store.getRun(failedId)).info.status).toBe('FAILED');
    expect((await store.getRun(failedId)).data.metrics).toHaveLength(1);
    const value = await ferry.withRun(async (run) => run.runId);
    expect((await store.getRun(value)).info.status).toBe('FINISHED');
  });

  it('attaches to the run named by FERRY_RUN_ID and the experiment named by MLFLOW_EXPERIMENT_NAME', async () => {
    const experimentId = await store.createExperiment({ name: 'from-env' });
    const started = await store.createRun({ experimentId });
    const attached = await session({ FERRY_RUN_ID: started.info.run_id }).startRun();
    expect(attached.runId).toBe(started.info.run_id);
    const byName = await session({ MLFLOW_EXPERIMENT_NAME: 'from-env' }).startRun();
    expect(byName.experimentId).toBe(experimentId);
  });

  it('retries 429 and 503 answers and network errors, then succeeds', async () => {
    let failures = 0;
    const flaky: FetchLike = async (request) => {
      if (request.url.includes('log-batch') && failures < 4) {
        failures++;
        if (failures === 2) throw new TypeError('fetch failed');
        return new Response('busy', { status: failures === 4 ? 429 : 503 });
      }
      return appFetch(request);
    };
    const ferry = session({}, flaky);
    const run = await ferry.startRun();
    await run.logMetric('m', 42);
    await run.end();
    expect(failures).toBe(4);
    expect((await store.getRun(run.runId)).data.metrics?.[0]?.value).toBe(42);
  });

  it('surfaces MLflow errors as FerryError with the server code', async () => {
    const ferry = session();
    const run = await ferry.startRun();
    await run.logParam('lr', 0.1);
    const error = await run.logParam('lr', 0.2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe('INVALID_PARAMETER_VALUE');
    await expect(session().getRun('f'.repeat(32))).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('refuses a tracking URI it cannot use, saying what it accepts', () => {
    expect(() => new TrackingSession({ trackingUri: 'ftp://x' })).toThrow(/http\(s\):\/\/host:port, sqlite:/);
  });
});
