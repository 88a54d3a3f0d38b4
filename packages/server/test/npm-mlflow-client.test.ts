import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer } from '../src/index.js';
import type { RunningServer } from '../src/index.js';

// The npm `mlflow` package (2.0.7) is a third-party MLflow client: it must work against Ferry unchanged.
const require = createRequire(import.meta.url);
const MLflow = require('mlflow') as new (options: { endpoint: string }) => {
  Experiments: Record<string, (args?: Record<string, unknown>) => Promise<Record<string, unknown>>>;
  Runs: Record<string, (args?: Record<string, unknown>) => Promise<Record<string, unknown>>>;
  Metrics: Record<string, (args?: Record<string, unknown>) => Promise<Record<string, unknown>>>;
  Artifacts: Record<string, (args?: Record<string, unknown>) => Promise<Record<string, unknown>>>;
};

describe('npm mlflow client against a real Ferry server', () => {
  let server: RunningServer;
  let dir: string;
  let client: InstanceType<typeof MLflow>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-npm-client-'));
    server = await startServer({
      host: '127.0.0.1',
      port: 0,
      backendStoreUri: `sqlite:///${join(dir, 'ferry.db')}`,
      artifactsDestination: join(dir, 'artifacts'),
      serveArtifacts: true,
    });
    client = new MLflow({ endpoint: server.url });
    // The client prints every request body it sends.
    vi.spyOn(console, 'log').mockImplementation(() => {});
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates, lists, renames, deletes and restores experiments', async () => {
    const { experiment_id } = await client.Experiments.create!({ name: 'npm-client' });
    expect(experiment_id).toMatch(/^\d+$/);
    const { experiment } = (await client.Experiments.get!({ experiment_id })) as {
      experiment: { name: string };
    };
    expect(experiment.name).toBe('npm-client');
    const { experiments } = (await client.Experiments.list!()) as { experiments: { name: string }[] };
    expect(experiments.map((e) => e.name)).toEqual(expect.arrayContaining(['Default', 'npm-client']));
    await client.Experiments.update!({ experiment_id, new_name: 'npm-client-renamed' });
    await client.Experiments.delete!({ experiment_id });
    const deleted = (await client.Experiments.get!({ experiment_id })) as {
      experiment: { lifecycle_stage: string };
    };
    expect(deleted.experiment.lifecycle_stage).toBe('deleted');
    await client.Experiments.restore!({ experiment_id });
  });

  it('logs a run and reads it back through search, history and artifacts', async () => {
    const { experiment_id } = await client.Experiments.create!({ name: 'npm-client-runs' });
    const { run } = (await client.Runs.create!({
      experiment_id,
      start_time: Date.now(),
      tags: [{ key: 'team', value: 'vision' }],
    })) as { run: { info: { run_id: string } } };
    const run_id = run.info.run_id;
    await client.Runs.logParameter!({ run_id, key: 'lr', value: '0.01' });
    for (let step = 0; step < 5; step++) {
      await client.Runs.logMetric!({
        run_id,
        key: 'loss',
        value: 1 / (step + 1),
        timestamp: Date.now(),
        step,
      });
    }
    await client.Runs.logBatch!({
      run_id,
      metrics: [{ key: 'acc', value: 0.9, timestamp: Date.now(), step: 0 }],
      params: [{ key: 'epochs', value: '5' }],
      tags: [{ key: 'stage', value: 'dev' }],
    });
    await client.Runs.setTag!({ run_id, key: 'note', value: 'hello' });
    await client.Runs.deleteTag!({ run_id, key: 'note' });
    await client.Runs.update!({ run_id, status: 'FINISHED', end_time: Date.now() });

    const got = (await client.Runs.get!({ run_id })) as {
      run: {
        info: { status: string };
        data: { params: unknown[]; tags: { key: string }[]; metrics: unknown[] };
      };
    };
    expect(got.run.info.status).toBe('FINISHED');
    expect(got.run.data.params).toHaveLength(2);
    expect(got.run.data.tags.map((t) => t.key)).not.toContain('note');

    const { runs } = (await client.Runs.search!({
      experiment_ids: [experiment_id],
      filter: "params.lr = '0.01' and metrics.loss < 0.5",
      order_by: ['metrics.acc DESC'],
    })) as { runs: { info: { run_id: string } }[] };
    expect(runs.map((r) => r.info.run_id)).toEqual([run_id]);

    // The client sends no max_results: Ferry returns the whole history (see docs, quirk 1).
    const { metrics } = (await client.Metrics.getHistory!({ run_id, metric_key: 'loss' })) as {
      metrics: { step: number }[];
    };
    expect(metrics.map((m) => m.step)).toEqual([0, 1, 2, 3, 4]);

    const listing = (await client.Artifacts.list!({ run_id })) as { root_uri: string };
    expect(listing.root_uri).toBe(`mlflow-artifacts:/${experiment_id}/${run_id}/artifacts`);

    await client.Runs.delete!({ run_id });
    const afterDelete = (await client.Runs.search!({ experiment_ids: [experiment_id] })) as {
      runs?: unknown[];
    };
    expect(afterDelete.runs).toBeUndefined();
    await client.Runs.restore!({ run_id });
  });

  it('surfaces MLflow error bodies through the client', async () => {
    await expect(client.Runs.get!({ run_id: 'f'.repeat(32) })).rejects.toThrow(/RESOURCE_DOES_NOT_EXIST/);
  });
});
