import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelVersion, Tag } from '@ferry/core';
// Types only: the models package (and ONNX Runtime with it) is loaded when a model is first saved or
// loaded, so programs that only track never pay for it.
import type { LoadedModel, ModelConfig, ModelSpec, SaveModelOptions } from '@ferry/models';
import type { ActiveRun } from './active-run.js';
import { downloadArtifactUri } from './artifact-reader.js';
import { ArtifactWriter } from './artifact-writer.js';
import { RegistryClient } from './registry-client.js';
import type { TrackingClient } from './tracking-client.js';
import type { TransferOptions } from './transfer-progress.js';

export interface LogModelOptions
  extends Omit<SaveModelOptions, 'runId' | 'artifactPath' | 'modelId'>, TransferOptions {
  /** The logged model's name (MLflow 3's `name`, 2.x's `artifact_path`); default `model`. */
  name?: string;
  /** Registers the model as a new version of this registered model (created when missing). */
  registeredModelName?: string;
  /** Params and tags recorded on the logged model. */
  params?: Record<string, string>;
  tags?: Record<string, string>;
  /** The step of the run the model was produced at (runs/outputs); default 0. */
  step?: number;
}

export interface LoggedModelResult {
  modelId: string;
  /** `models:/<model id>`: loads this exact model anywhere. */
  modelUri: string;
  artifactUri: string;
  /** The MLmodel as written. */
  config: ModelConfig;
  /** The registry version, when `registeredModelName` was given. */
  modelVersion?: ModelVersion;
}

const toTags = (record: Record<string, string> | undefined): Tag[] =>
  Object.entries(record ?? {}).map(([key, value]) => ({ key, value }));

/**
 * Logs a model the way MLflow 3's `log_model` does: a logged model is created in the run's experiment
 * (pending), the model directory is saved locally (MLmodel, flavor files, signature, input example) and
 * uploaded to the logged model's artifact location, the model is finalized (ready, or upload-failed if
 * anything went wrong), recorded as an output of the run, and registered when asked.
 */
export async function logModel(
  run: ActiveRun,
  model: ModelSpec,
  options: LogModelOptions = {},
): Promise<LoggedModelResult> {
  const { saveModel } = await import('@ferry/models');
  const registry = new RegistryClient(run.client);
  const logged = await registry.createLoggedModel({
    experimentId: run.experimentId,
    name: options.name ?? 'model',
    sourceRunId: run.runId,
    params: toTags(options.params),
    tags: toTags(options.tags),
  });
  const { model_id: modelId, artifact_uri: artifactUri } = logged.info;
  const dir = await mkdtemp(join(tmpdir(), 'ferry-log-model-'));
  let config: ModelConfig;
  try {
    const {
      name: _name,
      registeredModelName: _reg,
      params: _p,
      tags: _t,
      step: _s,
      onProgress,
      ...save
    } = options;
    config = await saveModel(join(dir, 'model'), model, {
      ...save,
      runId: run.runId,
      artifactPath: artifactUri,
      modelId,
    });
    await new ArtifactWriter(run.client, artifactUri).putDirectory(
      join(dir, 'model'),
      undefined,
      onProgress ? { onProgress } : {},
    );
  } catch (error) {
    await registry.finalizeLoggedModel(modelId, 'LOGGED_MODEL_UPLOAD_FAILED').catch(() => undefined);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await registry.finalizeLoggedModel(modelId, 'LOGGED_MODEL_READY');
  await registry.logRunOutputs(run.runId, [{ model_id: modelId, step: options.step ?? 0 }]);
  const result: LoggedModelResult = { modelId, modelUri: `models:/${modelId}`, artifactUri, config };
  if (options.registeredModelName) {
    await registry.ensureRegisteredModel(options.registeredModelName);
    result.modelVersion = await registry.createModelVersion(options.registeredModelName, {
      source: result.modelUri,
      modelId,
      runId: run.runId,
    });
  }
  return result;
}

export interface LoadModelFromUriOptions extends TransferOptions {
  /** Where to download the model; default a new temporary folder, removed by `close()`. */
  dst?: string;
}

/** A loaded model and the local folder it was loaded from. */
export type LoadedRemoteModel = LoadedModel & { dir: string };

/**
 * MLflow 3 keeps a model logged in a run under its logged model, not under the run's artifacts:
 * `runs:/<run>/<name>` means the run's logged model of that name when there is one.
 */
async function loggedModelOfRun(client: TrackingClient, uri: string): Promise<string | undefined> {
  const match = /^runs:\/([^/]+)\/(.+?)\/?$/.exec(uri);
  if (!match) return undefined;
  const [, runId, name] = match as unknown as [string, string, string];
  const run = await client.getRun(runId);
  const found = await client.call<{ models?: { info: { artifact_uri: string } }[] }>(
    'POST',
    'logged-models/search',
    {
      experiment_ids: [run.info.experiment_id],
      filter: `source_run_id = '${runId}' AND name = '${name.replaceAll("'", "\\'")}'`,
      max_results: 1,
    },
  );
  return found.models?.[0]?.info.artifact_uri;
}

/**
 * Loads a model for prediction from `runs:/<run>/<path>`, `models:/<name>/<version|stage|latest>`,
 * `models:/<name>@<alias>`, `models:/<logged model id>`, an artifact URI, or a local folder, with the
 * first flavor Ferry can load (onnx, js_function); other flavors fail with a message naming them.
 */
export async function loadModel(
  client: TrackingClient,
  uri: string,
  options: LoadModelFromUriOptions = {},
): Promise<LoadedRemoteModel> {
  const models = await import('@ferry/models');
  const isLocal = uri.startsWith('/') || uri.startsWith('file:') || uri.startsWith('.');
  if (isLocal) {
    const dir = uri.startsWith('file:') ? new URL(uri).pathname : uri;
    return Object.assign(await models.loadModel(dir), { dir });
  }
  const location =
    (await loggedModelOfRun(client, uri)) ?? (await new RegistryClient(client).resolveModelUri(uri));
  const dst = options.dst ?? (await mkdtemp(join(tmpdir(), 'ferry-model-')));
  try {
    const dir = await downloadArtifactUri(client, location, dst, options);
    const loaded = await models.loadModel(dir);
    const close = loaded.close.bind(loaded);
    return Object.assign(loaded, {
      dir,
      async close() {
        await close();
        if (options.dst === undefined) await rm(dst, { recursive: true, force: true });
      },
    });
  } catch (error) {
    if (options.dst === undefined) await rm(dst, { recursive: true, force: true });
    throw error;
  }
}
