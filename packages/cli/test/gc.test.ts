import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { TrackingSession } from '@ferry/sdk';
import { parseDuration } from '../src/duration.js';
import { linearOnnxModel } from '../../models/test/helpers/onnx-linear.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');
const exec = promisify(execFile);
let dir: string;

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ferry gc', () => {
  it('removes deleted runs, experiments and logged models with their artifacts, honouring --older-than and --dry-run', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-gc-'));
    const uri = `sqlite:///${join(dir, 'gc.db')}`;
    const artifacts = join(dir, 'artifacts');
    const sdk = new TrackingSession({
      trackingUri: uri,
      env: { FERRY_ARTIFACTS_DESTINATION: artifacts },
      captureSource: false,
    });
    const expId = await sdk.setExperiment('keep');
    const kept = await sdk.startRun();
    await kept.logText('keep', 'a.txt');
    await sdk.endRun();
    const gone = await sdk.startRun();
    await gone.logText('gone', 'a.txt');
    await sdk.endRun();
    await sdk.client.deleteRun(gone.runId);
    const withModel = await sdk.startRun();
    const model = await withModel.logModel({ flavor: 'onnx', onnx: linearOnnxModel() });
    const keptModel = await withModel.logModel({ flavor: 'onnx', onnx: linearOnnxModel() });
    await sdk.endRun();
    await sdk.registry.deleteLoggedModel(model.modelId);
    const doomedExp = await sdk.setExperiment('doomed');
    const inDoomed = await sdk.startRun();
    await inDoomed.logText('x', 'b.txt');
    await sdk.endRun();
    await sdk.client.deleteExperiment(doomedExp);
    await sdk.close();

    const gc = (...args: string[]) =>
      exec(
        process.execPath,
        [BIN, 'gc', '--backend-store-uri', uri, '--artifacts-destination', artifacts, ...args],
        { cwd: dir },
      );
    const runDir = (exp: string, run: string) => join(artifacts, exp, run, 'artifacts', 'a.txt');

    const dry = JSON.parse((await gc('--dry-run', '--json')).stdout) as { kind: string; id: string }[];
    expect(dry).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'experiment', id: doomedExp }),
        expect.objectContaining({ kind: 'run', id: gone.runId }),
        expect.objectContaining({ kind: 'run', id: inDoomed.runId }),
        expect.objectContaining({ kind: 'logged model', id: model.modelId }),
      ]),
    );
    expect(existsSync(runDir(expId, gone.runId))).toBe(true);

    const modelDir = (m: { artifactUri: string }) =>
      join(artifacts, m.artifactUri.replace('mlflow-artifacts:/', ''));
    expect(existsSync(join(modelDir(model), 'MLmodel'))).toBe(true);
    expect((await gc('--older-than', '1h')).stdout).toContain(
      'Removed 0 experiment(s), 0 run(s) and 0 logged model(s)',
    );
    expect((await gc()).stdout).toContain('Removed 1 experiment(s), 2 run(s) and 1 logged model(s)');
    expect(existsSync(modelDir(model))).toBe(false);
    expect(existsSync(join(modelDir(keptModel), 'MLmodel'))).toBe(true);
    expect(existsSync(runDir(expId, gone.runId))).toBe(false);
    expect(existsSync(join(artifacts, doomedExp, inDoomed.runId))).toBe(false);
    expect(existsSync(runDir(expId, kept.runId))).toBe(true);

    const check = new TrackingSession({ trackingUri: uri, env: {}, captureSource: false });
    await expect(check.getRun(gone.runId)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    expect((await check.getRun(kept.runId)).info.lifecycle_stage).toBe('active');
    expect(await check.client.findExperimentByName('doomed')).toBeUndefined();
    await expect(check.registry.getLoggedModel(model.modelId)).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
    expect((await check.registry.getLoggedModel(keptModel.modelId)).info.status).toBe('LOGGED_MODEL_READY');
    await check.close();
  });

  it('refuses to remove a run that is not deleted', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-gc-'));
    const uri = `sqlite:///${join(dir, 'gc.db')}`;
    const sdk = new TrackingSession({ trackingUri: uri, env: {}, captureSource: false });
    const run = await sdk.startRun();
    await sdk.close();
    const result = await exec(
      process.execPath,
      [BIN, 'gc', '--backend-store-uri', uri, '--run-ids', run.runId],
      { cwd: dir },
    ).catch((e: { code: number; stderr: string }) => e);
    expect((result as { code: number }).code).toBe(1);
    expect((result as { stderr: string }).stderr).toMatch(/is not deleted/);
  });

  it('reads durations as MLflow writes them', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('1d2h30m')).toBe(86_400_000 + 2 * 3_600_000 + 30 * 60_000);
    expect(parseDuration('45s')).toBe(45_000);
    expect(() => parseDuration('3 days')).toThrow(/invalid duration/);
  });
});
