import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pipeline, step } from '@ferry/pipeline';
import type { RunningServer } from '@ferry/server';
import type { TrackingSession } from '@ferry/sdk';
import { startTrackingServer } from '../../projects/test/support.js';
import type { TestTrackingServer } from '../../projects/test/support.js';

// Projects run by a server: submitted over REST (SDK `session.projects`) and as pipeline steps, both
// through the real `ferry run` of the built CLI (`npm test` builds it first).
const BIN = join(dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');
const COMMAND_PROJECT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../examples/projects/command-project',
);

let server: RunningServer;
let session: TrackingSession;
let tracking: TestTrackingServer;
const previousCommand = process.env['FERRY_PROJECT_COMMAND'];

const tagsOf = async (runId: string) =>
  Object.fromEntries(((await session.getRun(runId)).data.tags ?? []).map((t) => [t.key, t.value]));
const paramsOf = async (runId: string) =>
  Object.fromEntries(((await session.getRun(runId)).data.params ?? []).map((p) => [p.key, p.value]));

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  // What the `ferry` CLI sets for a server it starts: project steps run this very CLI.
  process.env['FERRY_PROJECT_COMMAND'] = JSON.stringify([process.execPath, BIN, 'run']);
  tracking = await startTrackingServer('ferry-project-server-');
  ({ server, session } = tracking);
});
afterAll(async () => {
  if (previousCommand === undefined) delete process.env['FERRY_PROJECT_COMMAND'];
  else process.env['FERRY_PROJECT_COMMAND'] = previousCommand;
  await tracking.close();
});

describe('projects on a server', () => {
  it('session.projects.run: the server runs the entry point, which logs into its own run', async () => {
    const experimentId = await session.setExperiment('server-projects');
    const done = await session.projects.run(
      {
        uri: COMMAND_PROJECT,
        parameters: { epochs: 4, alpha: 0.05 },
        experimentId,
        runName: 'fit on server',
      },
      { pollMs: 100, timeoutMs: 60_000 },
    );
    expect(done.status, done.error ?? '').toBe('succeeded');
    const runId = done.runId!;
    const run = await session.getRun(runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.experiment_id).toBe(experimentId);
    const tags = await tagsOf(runId);
    expect(tags).toMatchObject({
      'mlflow.source.type': 'PROJECT',
      'mlflow.source.name': COMMAND_PROJECT,
      'mlflow.project.entryPoint': 'main',
      'mlflow.project.env': 'local',
      'ferry.pipeline.task_id': 'main',
      'ferry.pipeline.run_id': done.pipelineRunId,
    });
    expect(await paramsOf(runId)).toMatchObject({ epochs: '4', alpha: '0.05' });
    expect(await session.getMetricHistory(runId, 'loss')).toHaveLength(4);
    const artifacts = (await session.client.listArtifacts(runId)).map((f) => f.path);
    expect(artifacts).toContain('project.log');
    const log = await session.pipelines.logs(done.pipelineRunId, 'main');
    expect(log).toContain('epoch 3: loss=');

    const failed = await session.projects.run(
      { uri: COMMAND_PROJECT, entryPoint: 'fail', parameters: { code: 4 }, experimentId },
      { pollMs: 100, timeoutMs: 60_000 },
    );
    expect(failed.status).toBe('failed');
    expect((await session.getRun(failed.runId!)).info.status).toBe('FAILED');
  });

  it('a pipeline step that is a project entry point logs into the task run', async () => {
    const fit = step({
      name: 'fit',
      inputs: { epochs: z.number().int(), alpha: z.number() },
      project: { uri: COMMAND_PROJECT, entryPoint: 'main' },
    });
    const def = pipeline({ name: 'fit-twice', parameters: { epochs: z.number().int() } }, ({ epochs }) => {
      fit({ epochs, alpha: 0.05 });
      fit({ epochs: 2, alpha: 0.1 });
    });
    const run = await session.pipelines.runPipeline(def, { parameters: { epochs: 3 }, wait: true });
    expect(run.status, run.error ?? '').toBe('succeeded');
    const { tasks } = await session.pipelines.getRun(run.runId);
    const byName = Object.fromEntries(tasks.map((t) => [t.taskId, t]));
    for (const [task, epochs] of [
      ['fit', 3],
      ['fit-2', 2],
    ] as const) {
      const runId = byName[task]!.trackingRunId!;
      expect((await tagsOf(runId))['mlflow.source.type']).toBe('PROJECT');
      expect(await session.getMetricHistory(runId, 'loss')).toHaveLength(epochs);
      expect((await session.getRun(runId)).data.params).toContainEqual({
        key: 'epochs',
        value: String(epochs),
      });
    }
  });

  it('ferry run --run-id runs in an existing run; an ended run is refused', async () => {
    const open = await session.client.createRun({ experimentId: '0', tags: [] });
    const runId = open.info.run_id;
    const result = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(
        process.execPath,
        [BIN, 'run', COMMAND_PROJECT, '--run-id', runId, '-P', 'epochs=2', '--tracking-uri', server.url],
        (error, _stdout, stderr) => done({ code: error ? (error as { code: number }).code : 0, stderr }),
      ),
    );
    expect(result.code, result.stderr).toBe(0);
    expect((await session.getRun(runId)).info.status).toBe('FINISHED');
    expect(await session.getMetricHistory(runId, 'loss')).toHaveLength(2);
    expect((await tagsOf(runId))['mlflow.source.type']).toBe('PROJECT');

    const again = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(
        process.execPath,
        [BIN, 'run', COMMAND_PROJECT, '--run-id', runId, '--tracking-uri', server.url],
        (error, _stdout, stderr) => done({ code: error ? (error as { code: number }).code : 0, stderr }),
      ),
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      `Run ${runId} is FINISHED; a project can only run in a run that has not ended.`,
    );
  });
});
