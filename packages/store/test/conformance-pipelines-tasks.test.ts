import { describe, expect, it } from 'vitest';
import type { ArtifactLineage, PipelineTaskStatus } from '../src/index.js';
import { BACKENDS } from './backends.js';
import { expectFerryError, freezeTime, range } from './helpers.js';
import { usePipelineStore } from './pipelines-fixture.js';

describe.each(BACKENDS)('pipeline tasks, cache and lineage on $name', (backend) => {
  const { store, withTwoStores, newRun } = usePipelineStore(backend);

  describe('tasks', () => {
    it('creates tasks with defaults and given fields, listed by creation time then id', async () => {
      freezeTime(1_700_000_000_000);
      const s = store();
      const run = await newRun();
      await s.createTasks([
        { runId: run.id, taskId: 'train', name: 'train', parentTaskId: null, status: 'pending' },
        { runId: run.id, taskId: 'prep', name: 'prep', parentTaskId: null, status: 'pending' },
        {
          runId: run.id,
          taskId: 'loop-0',
          name: 'step',
          parentTaskId: 'loop',
          status: 'cached',
          attempt: 2,
          inputs: { x: 1 },
          outputs: { model: 's3://b/m' },
          cacheKey: 'k1',
          cachedFrom: { runId: 'r0', taskId: 't0' },
          trackingRunId: 'f'.repeat(32),
          executorHandle: 'pod/abc',
          logUri: 'file:///logs/1',
          error: 'none',
          createdAt: 5,
          startedAt: 6,
          finishedAt: 7,
        },
      ]);
      const tasks = await s.listTasks(run.id);
      expect(tasks.map((t) => t.taskId)).toEqual(['loop-0', 'prep', 'train']);
      expect(tasks[0]).toEqual({
        runId: run.id,
        taskId: 'loop-0',
        name: 'step',
        parentTaskId: 'loop',
        status: 'cached',
        attempt: 2,
        inputs: { x: 1 },
        outputs: { model: 's3://b/m' },
        cacheKey: 'k1',
        cachedFrom: { runId: 'r0', taskId: 't0' },
        trackingRunId: 'f'.repeat(32),
        executorHandle: 'pod/abc',
        logUri: 'file:///logs/1',
        error: 'none',
        createdAt: 5,
        startedAt: 6,
        finishedAt: 7,
      });
      expect(tasks[2]).toEqual({
        runId: run.id,
        taskId: 'train',
        name: 'train',
        parentTaskId: null,
        status: 'pending',
        attempt: 0,
        inputs: null,
        outputs: null,
        cacheKey: null,
        cachedFrom: null,
        trackingRunId: null,
        executorHandle: null,
        logUri: null,
        error: null,
        createdAt: 1_700_000_000_000,
        startedAt: null,
        finishedAt: null,
      });
      expect(await s.getTask(run.id, 'train')).toEqual(tasks[2]);
      expect(await s.listTasks((await newRun()).id)).toEqual([]);
    });

    it('leaves existing tasks as they are when created again', async () => {
      const s = store();
      const run = await newRun();
      const task = { runId: run.id, taskId: 't', name: 't', parentTaskId: null, status: 'pending' as const };
      await s.createTasks([task]);
      await s.updateTask(run.id, 't', { status: 'running', attempt: 1 });
      await s.createTasks([
        { ...task, name: 'other' },
        { ...task, taskId: 'u' },
        { ...task, taskId: 'u', name: 'dup in one call' },
      ]);
      await s.createTasks([]);
      expect(await s.getTask(run.id, 't')).toMatchObject({ name: 't', status: 'running', attempt: 1 });
      expect((await s.listTasks(run.id)).map((t) => `${t.taskId}:${t.name}`).sort()).toEqual(['t:t', 'u:t']);
    });

    it('creates many tasks in one call', async () => {
      const s = store();
      const run = await newRun();
      await s.createTasks(
        range(500).map((i) => ({
          runId: run.id,
          taskId: `t${String(i).padStart(3, '0')}`,
          name: 'fan-out',
          parentTaskId: 'loop',
          status: 'pending' as const,
          createdAt: 1,
        })),
      );
      const tasks = await s.listTasks(run.id);
      expect(tasks).toHaveLength(500);
      expect(tasks.map((t) => t.taskId)).toEqual([...tasks.map((t) => t.taskId)].sort());
    });

    it('updates tasks with compare-and-set', async () => {
      const s = store();
      const run = await newRun();
      await s.createTasks([{ runId: run.id, taskId: 't', name: 't', parentTaskId: null, status: 'pending' }]);
      const before = await s.getTask(run.id, 't');
      expect(await s.updateTask(run.id, 't', { status: 'succeeded' }, ['running'])).toBeUndefined();
      expect(await s.getTask(run.id, 't')).toEqual(before);
      const running = await s.updateTask(
        run.id,
        't',
        { status: 'running', startedAt: 10, executorHandle: 'job/1', attempt: 1, inputs: { a: [1] } },
        ['pending'],
      );
      expect(running).toEqual({
        ...before,
        status: 'running',
        startedAt: 10,
        executorHandle: 'job/1',
        attempt: 1,
        inputs: { a: [1] },
      });
      const done = await s.updateTask(run.id, 't', {
        status: 'succeeded',
        finishedAt: 20,
        outputs: { out: 'x' },
        cacheKey: 'k',
        cachedFrom: { runId: 'r', taskId: 'x' },
        logUri: 'file:///l',
        trackingRunId: 'abc',
        error: 'warn',
      });
      expect(done).toMatchObject({
        status: 'succeeded',
        outputs: { out: 'x' },
        cachedFrom: { runId: 'r', taskId: 'x' },
      });
      const cleared = await s.updateTask(run.id, 't', { cachedFrom: null, outputs: null, error: null });
      expect(cleared).toMatchObject({ cachedFrom: null, outputs: null, error: null, status: 'succeeded' });
      expect(await s.updateTask(run.id, 't', {}, ['pending'])).toBeUndefined();
      expect(await s.updateTask(run.id, 't', {}, ['succeeded'])).toEqual(cleared);
      expect(await s.getTask(run.id, 't')).toEqual(cleared);
    });

    it('lets exactly one of many concurrent task transitions win', async () => {
      await withTwoStores(async (stores) => {
        const run = await newRun();
        await stores[0].createTasks([
          { runId: run.id, taskId: 't', name: 't', parentTaskId: null, status: 'pending' },
        ]);
        const results = await Promise.all(
          range(10).map((i) =>
            stores[i % 2]!.updateTask(run.id, 't', { status: 'running', executorHandle: `h${i}` }, [
              'pending',
            ]),
          ),
        );
        const winners = results.filter((r) => r !== undefined);
        expect(winners).toHaveLength(1);
        expect(await stores[1].getTask(run.id, 't')).toEqual(winners[0]);
      });
    });

    it('reports unknown runs and tasks and rejects bad input', async () => {
      const s = store();
      const run = await newRun();
      const task = { runId: run.id, taskId: 't', name: 't', parentTaskId: null, status: 'pending' as const };
      await expectFerryError(s.createTasks([{ ...task, runId: 'nope' }]), 'RESOURCE_DOES_NOT_EXIST');
      // All or nothing: the valid task of a failing call is not created.
      await expectFerryError(
        s.createTasks([task, { ...task, taskId: 'u', runId: 'nope' }]),
        'RESOURCE_DOES_NOT_EXIST',
      );
      expect(await s.listTasks(run.id)).toEqual([]);
      await expectFerryError(
        s.createTasks([{ ...task, status: 'queued' as PipelineTaskStatus }]),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(s.createTasks([{ ...task, taskId: '' }]), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(s.listTasks('nope'), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(s.getTask(run.id, 'nope'), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(s.updateTask(run.id, 'nope', { status: 'running' }), 'RESOURCE_DOES_NOT_EXIST');
      await expectFerryError(
        s.updateTask(run.id, 'nope', { status: 'running' }, ['pending']),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await s.createTasks([task]);
      await expectFerryError(s.updateTask(run.id, 't', { attempt: -1 }), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(
        s.updateTask(run.id, 't', { outputs: 'x' as unknown as Record<string, unknown> }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(
        s.updateTask(run.id, 't', {}, ['queued' as PipelineTaskStatus]),
        'INVALID_PARAMETER_VALUE',
      );
    });

    it('goes with its run only: tasks of other runs stay', async () => {
      const s = store();
      const a = await newRun();
      const b = await newRun();
      await s.createTasks([
        { runId: a.id, taskId: 't', name: 'a', parentTaskId: null, status: 'pending' },
        { runId: b.id, taskId: 't', name: 'b', parentTaskId: null, status: 'pending' },
      ]);
      await s.updateTask(a.id, 't', { status: 'failed' });
      expect((await s.getTask(b.id, 't')).status).toBe('pending');
      expect((await s.listTasks(a.id)).map((t) => t.name)).toEqual(['a']);
    });
  });

  describe('cache', () => {
    it('puts, replaces and gets entries, honouring notBefore', async () => {
      const s = store();
      expect(await s.getCacheEntry('k')).toBeUndefined();
      const first = {
        cacheKey: 'k',
        outputs: { model: 's3://b/1' },
        runId: 'r1',
        taskId: 't1',
        createdAt: 100,
      };
      await s.putCacheEntry(first);
      expect(await s.getCacheEntry('k')).toEqual(first);
      expect(await s.getCacheEntry('k', 100)).toEqual(first);
      expect(await s.getCacheEntry('k', 101)).toBeUndefined();
      const second = {
        cacheKey: 'k',
        outputs: { model: 's3://b/2' },
        runId: 'r2',
        taskId: 't2',
        createdAt: 200,
      };
      await s.putCacheEntry(second);
      expect(await s.getCacheEntry('k')).toEqual(second);
      expect(await s.getCacheEntry('k', 150)).toEqual(second);
      expect(await s.getCacheEntry('other')).toBeUndefined();
      await expectFerryError(s.putCacheEntry({ ...first, cacheKey: '' }), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(
        s.putCacheEntry({ ...first, outputs: null as unknown as Record<string, unknown> }),
        'INVALID_PARAMETER_VALUE',
      );
    });
  });

  describe('artifact lineage', () => {
    const artifact = (over: Partial<ArtifactLineage>): ArtifactLineage => ({
      uri: 's3://b/data',
      runId: 'r1',
      taskId: 'prep',
      name: 'data',
      role: 'output',
      artifactType: 'Dataset',
      digest: 'sha256:1',
      createdAt: 100,
      ...over,
    });

    it('records idempotently, finds the producer and lists by run and uri', async () => {
      const s = store();
      const produced = artifact({});
      const consumed = artifact({ taskId: 'train', role: 'input', createdAt: 200 });
      const model = artifact({
        uri: 's3://b/model',
        taskId: 'train',
        name: 'model',
        artifactType: 'Model',
        digest: null,
        createdAt: 300,
      });
      // A later run that reused the cached output records the same uri as its own output.
      const reused = artifact({ runId: 'r2', createdAt: 400 });
      await s.recordArtifacts([produced, consumed, model]);
      await s.recordArtifacts([reused, { ...produced, digest: 'changed', createdAt: 999 }]);
      await s.recordArtifacts([]);

      expect(await s.findArtifactProducer('s3://b/data')).toEqual(produced);
      expect(await s.findArtifactProducer('s3://b/model')).toEqual(model);
      expect(await s.findArtifactProducer('s3://b/nothing')).toBeUndefined();
      await s.recordArtifacts([artifact({ uri: 's3://b/only-input', runId: 'r3', role: 'input' })]);
      expect(await s.findArtifactProducer('s3://b/only-input')).toBeUndefined();

      expect(await s.listArtifactLineage({ runId: 'r1' })).toEqual([produced, consumed, model]);
      expect(await s.listArtifactLineage({ uri: 's3://b/data' })).toEqual([produced, consumed, reused]);
      expect(await s.listArtifactLineage({ uri: 's3://b/data', runId: 'r2' })).toEqual([reused]);
      expect(await s.listArtifactLineage({ runId: 'nope' })).toEqual([]);
      await expectFerryError(s.listArtifactLineage({}), 'INVALID_PARAMETER_VALUE');
      await expectFerryError(
        s.recordArtifacts([artifact({ role: 'both' as ArtifactLineage['role'] })]),
        'INVALID_PARAMETER_VALUE',
      );
      await expectFerryError(s.recordArtifacts([artifact({ uri: '' })]), 'INVALID_PARAMETER_VALUE');
    });

    it('records the same rows concurrently without conflict', async () => {
      await withTwoStores(async (stores) => {
        const rows = range(20).map((i) => artifact({ uri: `s3://b/${i}` }));
        await Promise.all(range(6).map((i) => stores[i % 2]!.recordArtifacts(rows)));
        expect(await stores[0].listArtifactLineage({ runId: 'r1' })).toHaveLength(20);
      });
    });
  });
});
