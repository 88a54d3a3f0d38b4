import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SqlTrackingStore, sqliteAdapter, sqlStores } from '@ferry/store';

const exec = promisify(execFile);
const repo = resolve(import.meta.dirname, '../../..');

describe('the example pipeline (npm run example:pipeline)', () => {
  it('runs on the embedded defaults: prepares, trains, evaluates and registers the model', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ferry-example-'));
    try {
      const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
      const env = { ...process.env };
      delete env['FERRY_TRACKING_URI'];
      delete env['MLFLOW_TRACKING_URI'];
      const { stdout } = await exec(
        process.execPath,
        ['--import', tsx, join(repo, 'examples/pipeline/run.ts'), '--rows', '600', '--epochs', '60'],
        { cwd, env, timeout: 120_000 },
      );
      expect(stdout).toMatch(/pipeline run \w+: succeeded/);
      expect(stdout).toMatch(/registered: example-classifier version 1/);

      // What it left in ./ferry-data is what `npm start` there would show.
      const store = new SqlTrackingStore({
        adapter: sqliteAdapter(join(cwd, 'ferry-data/ferry.db')),
        defaultArtifactRoot: 'mlflow-artifacts:/',
      });
      await store.open();
      try {
        const { registry, pipelines } = sqlStores(store);
        const version = await registry.getModelVersion('example-classifier', 1);
        const producer = await pipelines.findArtifactProducer(version.source);
        expect(producer).toMatchObject({
          taskId: 'train',
          name: 'model',
          role: 'output',
          artifactType: 'Model',
        });
        const run = await pipelines.getPipelineRun(producer!.runId);
        expect(run.status).toBe('succeeded');
        const train = await store.getRun((await pipelines.getTask(run.id, 'train')).trackingRunId!);
        expect(train.data.metrics?.map((m) => m.key)).toContain('train_loss');
      } finally {
        await store.close();
      }
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
