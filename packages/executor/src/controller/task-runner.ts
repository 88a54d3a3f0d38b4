import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  ComponentSpec,
  IOSpec,
  Json,
  ProjectImplementation,
  StepOptions,
  TaskSpec,
} from '@ferry/pipeline';
import type { ArtifactLineage } from '@ferry/store';
import { functionRunnerCommand } from '../function-runner-command.js';
import type { ExecResult, RunningTask } from '../executor.js';
import { digestLocal, downloadArtifact, uploadArtifact } from './artifact-staging.js';
import { DEFAULT_PROJECT_COMMAND } from './run-context.js';
import type { RunContext } from './run-context.js';
import {
  PIPELINE_RUN_TAG,
  PIPELINE_TASK_TAG,
  createTrackedRun,
  finishTrackedRun,
  logOutputs,
} from './tracking.js';
import { canonicalJson, substitute } from './values.js';

/** A leaf task instance: one command or function to run, with its inputs resolved. */
export interface LeafInstance {
  taskId: string;
  name: string;
  parentTaskId: string | null;
  task: TaskSpec;
  component: ComponentSpec;
  /** Parameter values, and artifact URIs for artifact inputs. */
  inputs: Record<string, Json>;
}

export interface TaskOutcome {
  status: 'succeeded' | 'cached' | 'failed' | 'cancelled';
  outputs: Record<string, Json>;
  error?: string;
}

const isArtifact = (io: IOSpec | undefined): boolean => io?.kind === 'artifact';

/** Component defaults, then the task's own options, key by key. */
export function effectiveOptions(task: TaskSpec, component: ComponentSpec): StepOptions {
  return { ...component.options, ...task.options };
}

/** Milliseconds to wait before retry number `retry` (1-based). */
function backoff(options: StepOptions, retry: number): number {
  const { backoffMs = 1000, factor = 2, maxBackoffMs = 60_000 } = options.retry ?? { count: 0 };
  return Math.min(maxBackoffMs, backoffMs * factor ** (retry - 1));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * The cache key: the step's definition (what runs, where, with which declared interface) and its
 * resolved inputs, artifacts by content digest rather than URI, so the same data produced by another
 * run still hits.
 */
async function cacheKey(rc: RunContext, leaf: LeafInstance): Promise<string> {
  const inputs: Record<string, Json> = {};
  for (const [name, value] of Object.entries(leaf.inputs)) {
    inputs[name] = isArtifact(leaf.component.inputs[name])
      ? await artifactDigest(rc, value as string)
      : value;
  }
  const options = effectiveOptions(leaf.task, leaf.component);
  const definition = {
    implementation: leaf.component.implementation,
    image: options.image ?? null,
    inputs: leaf.component.inputs,
    outputs: leaf.component.outputs,
  };
  return createHash('sha256').update(canonicalJson({ definition, inputs })).digest('hex');
}

/** The digest recorded when the artifact was produced, else computed from its content. */
async function artifactDigest(rc: RunContext, uri: string): Promise<string> {
  const producer = await rc.deps.pipelines.findArtifactProducer(uri);
  if (producer?.digest) return producer.digest;
  const dir = join(rc.deps.workDir, 'digests', createHash('sha256').update(uri).digest('hex'));
  try {
    await downloadArtifact(rc.deps.resolveArtifact, uri, join(dir, 'a'));
    return await digestLocal(join(dir, 'a'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Where an attempt keeps its staged inputs, outputs and log. */
function attemptDir(rc: RunContext, taskId: string, attempt: number): string {
  return attemptDirOf(rc.deps.workDir, rc.run.id, taskId, attempt);
}

function attemptDirOf(workDir: string, runId: string, taskId: string, attempt: number): string {
  const safe = taskId.split('/').map((part) => part.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+$/, '_'));
  return join(workDir, runId, ...safe, `attempt-${attempt}`);
}

/** The log file of an attempt while it runs (kept as an artifact of the task's run once it ended). */
export function liveLogPath(workDir: string, runId: string, taskId: string, attempt: number): string {
  return join(attemptDirOf(workDir, runId, taskId, attempt), 'log.txt');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

interface Staged {
  command: string[];
  logPath: string;
  /** Artifact outputs: local path the step writes, URI they are stored at. */
  artifactOutputs: Record<string, { path: string; uri: string }>;
  /** Parameter outputs of a command: the file each is written to. */
  parameterFiles: Record<string, string>;
  resultFile?: string;
}

/**
 * Materialises inputs and names the outputs' places, then builds the argv. For an attempt that is
 * already running (re-attached), only the places are named: its folder is in use.
 */
async function stage(
  rc: RunContext,
  leaf: LeafInstance,
  dir: string,
  artifactUri: string,
  materialise: boolean,
  trackingRunId: string,
): Promise<Staged> {
  if (materialise) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, 'inputs'), { recursive: true });
    await mkdir(join(dir, 'outputs'), { recursive: true });
  }
  const inputText: Record<string, string> = {};
  const functionInputs: Record<string, Json | { path: string; uri: string }> = {};
  for (const [name, value] of Object.entries(leaf.inputs)) {
    if (isArtifact(leaf.component.inputs[name])) {
      const path = join(dir, 'inputs', name);
      if (materialise) await downloadArtifact(rc.deps.resolveArtifact, value as string, path);
      inputText[name] = path;
      functionInputs[name] = { path, uri: value as string };
    } else {
      inputText[name] = typeof value === 'string' ? value : JSON.stringify(value);
      functionInputs[name] = value;
    }
  }
  const artifactOutputs: Staged['artifactOutputs'] = {};
  const parameterFiles: Record<string, string> = {};
  const outputText: Record<string, string> = {};
  for (const [name, io] of Object.entries(leaf.component.outputs)) {
    const path = join(dir, 'outputs', name);
    if (io.kind === 'artifact') {
      artifactOutputs[name] = { path, uri: `${artifactUri.replace(/\/$/, '')}/outputs/${name}` };
      outputText[name] = path;
    } else {
      parameterFiles[name] = `${path}.json`;
      outputText[name] = `${path}.json`;
    }
  }
  const logPath = join(dir, 'log.txt'); // = liveLogPath(...) of this attempt
  const impl = leaf.component.implementation;
  if ('command' in impl) {
    const command = impl.command.map((arg) => substitute(arg, inputText, outputText));
    return { command, logPath, artifactOutputs, parameterFiles };
  }
  if ('function' in impl) {
    const inputsFile = join(dir, 'function-inputs.json');
    const resultFile = join(dir, 'function-result.json');
    if (materialise) {
      await writeFile(inputsFile, JSON.stringify({ inputs: functionInputs, outputs: artifactOutputs }));
    }
    const command = functionRunnerCommand(impl.function.module, impl.function.export, inputsFile, resultFile);
    return { command, logPath, artifactOutputs, parameterFiles, resultFile };
  }
  if ('project' in impl) {
    return {
      command: projectCommand(rc, impl.project, inputText, trackingRunId),
      logPath,
      artifactOutputs,
      parameterFiles,
    };
  }
  throw new Error(`task ${leaf.taskId}: a pipeline step is not a leaf`);
}

/**
 * `ferry run <uri> --run-id <task run> -e <entry> -P name=value …`: the project runs in the task's own
 * tracking run, so its params, tags, metrics and log land there.
 */
function projectCommand(
  rc: RunContext,
  project: ProjectImplementation,
  inputText: Record<string, string>,
  trackingRunId: string,
): string[] {
  return [
    ...(rc.deps.projectCommand ?? DEFAULT_PROJECT_COMMAND),
    project.uri,
    '--run-id',
    trackingRunId,
    '-e',
    project.entryPoint ?? 'main',
    ...(project.version !== undefined ? ['--version', project.version] : []),
    ...(project.envManager !== undefined ? ['--env-manager', project.envManager] : []),
    ...Object.entries(inputText).flatMap(([name, value]) => ['-P', `${name}=${value}`]),
  ];
}

/** Reads what a finished attempt produced; throws naming what is missing. */
async function collectOutputs(leaf: LeafInstance, staged: Staged): Promise<Record<string, Json>> {
  const outputs: Record<string, Json> = {};
  const result = staged.resultFile
    ? (JSON.parse((await readFile(staged.resultFile, 'utf8')) || 'null') as Record<string, Json> | null)
    : null;
  for (const [name, io] of Object.entries(leaf.component.outputs)) {
    if (io.kind === 'artifact') {
      const out = staged.artifactOutputs[name]!;
      if (!(await exists(out.path))) {
        if (io.optional) continue;
        throw new Error(`output artifact '${name}' was not written (expected at ${out.path})`);
      }
      outputs[name] = out.uri;
    } else if (result) {
      if (!(name in result)) {
        if (io.optional) continue;
        throw new Error(`the function returned no output '${name}'`);
      }
      outputs[name] = result[name]!;
    } else {
      const file = staged.parameterFiles[name]!;
      if (!(await exists(file))) {
        if (io.optional) continue;
        throw new Error(`output '${name}' was not written (expected its JSON value in ${file})`);
      }
      const text = (await readFile(file, 'utf8')).trim();
      // A bare string written without JSON quotes is taken as that string.
      try {
        outputs[name] = JSON.parse(text) as Json;
      } catch {
        outputs[name] = text;
      }
    }
  }
  return outputs;
}

/** Stores an attempt's log as an artifact of the task's run, so it outlives the machine that ran it. */
async function keepLog(
  rc: RunContext,
  logPath: string,
  artifactUri: string,
  attempt: number,
): Promise<string | null> {
  if (!(await exists(logPath))) return null;
  const uri = `${artifactUri.replace(/\/$/, '')}/logs/attempt-${attempt}.log`;
  await uploadArtifact(rc.deps.resolveArtifact, logPath, uri);
  return uri;
}

function describe(result: ExecResult): string {
  return result.reason ?? result.status;
}

/**
 * Runs one leaf task to an end: reuses a finished row (a resumed run), a cache hit, or runs it with
 * retries. Never throws for the task's own failure; the outcome says what happened.
 */
export async function runLeaf(rc: RunContext, leaf: LeafInstance): Promise<TaskOutcome> {
  const { pipelines, tracking, executor } = rc.deps;
  const began = rc.now();
  await pipelines.createTasks([
    {
      runId: rc.run.id,
      taskId: leaf.taskId,
      name: leaf.name,
      parentTaskId: leaf.parentTaskId,
      status: 'pending',
    },
  ]);
  let row = await pipelines.getTask(rc.run.id, leaf.taskId);
  if (row.status === 'succeeded' || row.status === 'cached') {
    return { status: row.status, outputs: (row.outputs ?? {}) as Record<string, Json> };
  }
  const options = effectiveOptions(leaf.task, leaf.component);
  const key = await cacheKey(rc, leaf);
  const useCache = (options.cache?.enabled ?? true) && !rc.noCache;
  if (useCache && row.status !== 'running') {
    const maxAge = options.cache?.maxAgeMs;
    const hit = await pipelines.getCacheEntry(key, maxAge === undefined ? undefined : rc.now() - maxAge);
    if (hit) {
      const tracked = await createTrackedRun(tracking, {
        experimentId: rc.run.experimentId,
        name: leaf.taskId,
        parentRunId: rc.trackingRunId,
        tags: {
          [PIPELINE_RUN_TAG]: rc.run.id,
          [PIPELINE_TASK_TAG]: leaf.taskId,
          'ferry.pipeline.cached_from': `${hit.runId}/${hit.taskId}`,
        },
        params: leaf.inputs,
        startTime: rc.now(),
      });
      await logOutputs(tracking, tracked.runId, hit.outputs as Record<string, Json>, rc.now());
      await finishTrackedRun(tracking, tracked.runId, 'FINISHED', rc.now());
      await pipelines.updateTask(rc.run.id, leaf.taskId, {
        status: 'cached',
        inputs: leaf.inputs,
        outputs: hit.outputs,
        cacheKey: key,
        cachedFrom: { runId: hit.runId, taskId: hit.taskId },
        trackingRunId: tracked.runId,
        startedAt: began,
        finishedAt: rc.now(),
      });
      return { status: 'cached', outputs: hit.outputs as Record<string, Json> };
    }
  }

  let trackingRunId = row.trackingRunId;
  let artifactUri: string;
  if (trackingRunId) {
    artifactUri = (await tracking.getRun(trackingRunId)).info.artifact_uri;
  } else {
    const tracked = await createTrackedRun(tracking, {
      experimentId: rc.run.experimentId,
      name: leaf.taskId,
      parentRunId: rc.trackingRunId,
      tags: { [PIPELINE_RUN_TAG]: rc.run.id, [PIPELINE_TASK_TAG]: leaf.taskId },
      params: leaf.inputs,
      startTime: rc.now(),
    });
    trackingRunId = tracked.runId;
    artifactUri = tracked.artifactUri;
  }

  const attempts = 1 + (options.retry?.count ?? 0);
  let attempt = row.attempt;
  // A task left running by a controller that stopped: follow it if the executor can, else stop it and
  // count that attempt as lost.
  let resumed: RunningTask | undefined;
  if (row.status === 'running' && row.executorHandle) {
    resumed = await executor.attach(row.executorHandle);
    if (!resumed) await executor.cancel(row.executorHandle);
  }
  let lastError = 'not run';
  for (;;) {
    if (rc.signal.aborted && !resumed) return finishCancelled();
    if (!resumed) attempt += 1;
    const dir = attemptDir(rc, leaf.taskId, attempt);
    let staged: Staged;
    try {
      staged = await stage(rc, leaf, dir, artifactUri, !resumed, trackingRunId);
    } catch (error) {
      lastError = `could not prepare the task: ${(error as Error).message}`;
      break;
    }
    const env: Record<string, string> = {
      ...options.env,
      FERRY_TRACKING_URI: rc.deps.trackingUri,
      MLFLOW_TRACKING_URI: rc.deps.trackingUri,
      FERRY_RUN_ID: trackingRunId,
      MLFLOW_RUN_ID: trackingRunId,
      FERRY_EXPERIMENT_ID: rc.run.experimentId,
      MLFLOW_EXPERIMENT_ID: rc.run.experimentId,
      FERRY_PIPELINE_RUN_ID: rc.run.id,
      FERRY_PIPELINE_TASK_ID: leaf.taskId,
    };
    const running =
      resumed ??
      (await executor.start({
        taskId: `${rc.run.id}-${leaf.taskId.replace(/[^A-Za-z0-9_.-]/g, '_')}-${attempt}`,
        ...(options.image ? { image: options.image } : {}),
        ...(options.resources ? { resources: options.resources } : {}),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        command: staged.command,
        env,
        workingDir: dir,
        logPath: staged.logPath,
      }));
    resumed = undefined;
    row =
      (await pipelines.updateTask(rc.run.id, leaf.taskId, {
        status: 'running',
        attempt,
        inputs: leaf.inputs,
        cacheKey: key,
        trackingRunId,
        executorHandle: running.handle,
        startedAt: row.startedAt ?? rc.now(),
        error: null,
      })) ?? row;
    const onAbort = () => void (rc.detaching() ? undefined : executor.cancel(running.handle));
    rc.signal.addEventListener('abort', onAbort);
    // A controller that is stopping does not wait for the task: it stays running for whoever drives
    // the run next, who re-attaches to it or stops it and runs it again.
    const detached = new Promise<undefined>((resolve) => {
      const check = () => rc.detaching() && resolve(undefined);
      rc.signal.addEventListener('abort', check);
      void running.done.then(() => rc.signal.removeEventListener('abort', check));
      if (rc.signal.aborted) check();
    });
    // An abort that came while the task was being started found no listener yet: act on it now.
    if (rc.signal.aborted) onAbort();
    const result = await Promise.race([running.done, detached]);
    rc.signal.removeEventListener('abort', onAbort);
    if (result === undefined || (rc.signal.aborted && rc.detaching())) {
      return { status: 'cancelled', outputs: {} };
    }
    // A log that cannot be stored does not fail the task; say so where the server logs.
    const logUri = await keepLog(rc, staged.logPath, artifactUri, attempt).catch((error: Error) => {
      rc.deps.log?.(
        `pipeline run ${rc.run.id}, task ${leaf.taskId}: storing the log failed: ${error.message}`,
      );
      return null;
    });
    if (logUri) await pipelines.updateTask(rc.run.id, leaf.taskId, { logUri });
    if (result.status === 'cancelled' || rc.signal.aborted) return finishCancelled();
    if (result.status === 'succeeded') {
      try {
        const outputs = await collectOutputs(leaf, staged);
        await publish(rc, leaf, staged, outputs);
        await pipelines.putCacheEntry({
          cacheKey: key,
          outputs,
          runId: rc.run.id,
          taskId: leaf.taskId,
          createdAt: rc.now(),
        });
        await logOutputs(tracking, trackingRunId, nonArtifact(leaf, outputs), rc.now());
        await finishTrackedRun(tracking, trackingRunId, 'FINISHED', rc.now());
        await pipelines.updateTask(rc.run.id, leaf.taskId, {
          status: 'succeeded',
          outputs,
          finishedAt: rc.now(),
          executorHandle: null,
        });
        return { status: 'succeeded', outputs };
      } catch (error) {
        lastError = (error as Error).message;
      }
    } else {
      lastError = describe(result);
    }
    if (attempt >= attempts) break;
    await pipelines.updateTask(rc.run.id, leaf.taskId, { error: `attempt ${attempt}: ${lastError}` });
    await sleep(backoff(options, attempt), rc.signal);
  }
  await finishTrackedRun(tracking, trackingRunId, 'FAILED', rc.now());
  await pipelines.updateTask(rc.run.id, leaf.taskId, {
    status: 'failed',
    error: lastError,
    finishedAt: rc.now(),
    executorHandle: null,
  });
  return { status: 'failed', outputs: {}, error: lastError };

  async function finishCancelled(): Promise<TaskOutcome> {
    if (trackingRunId) await finishTrackedRun(tracking, trackingRunId, 'KILLED', rc.now());
    await pipelines.updateTask(rc.run.id, leaf.taskId, {
      status: 'cancelled',
      finishedAt: rc.now(),
      executorHandle: null,
    });
    return { status: 'cancelled', outputs: {} };
  }
}

function nonArtifact(leaf: LeafInstance, outputs: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(outputs).filter(([name]) => !isArtifact(leaf.component.outputs[name])),
  );
}

/** Uploads artifact outputs and records lineage: what this task produced and what it consumed. */
async function publish(
  rc: RunContext,
  leaf: LeafInstance,
  staged: Staged,
  outputs: Record<string, Json>,
): Promise<void> {
  const createdAt = rc.now();
  const rows: ArtifactLineage[] = [];
  for (const [name, out] of Object.entries(staged.artifactOutputs)) {
    if (outputs[name] === undefined) continue;
    const digest = await digestLocal(out.path);
    await uploadArtifact(rc.deps.resolveArtifact, out.path, out.uri);
    const io = leaf.component.outputs[name] as Extract<IOSpec, { kind: 'artifact' }>;
    rows.push({
      uri: out.uri,
      runId: rc.run.id,
      taskId: leaf.taskId,
      name,
      role: 'output',
      artifactType: io.type,
      digest,
      createdAt,
    });
  }
  for (const [name, value] of Object.entries(leaf.inputs)) {
    const io = leaf.component.inputs[name];
    if (io?.kind !== 'artifact') continue;
    rows.push({
      uri: value as string,
      runId: rc.run.id,
      taskId: leaf.taskId,
      name,
      role: 'input',
      artifactType: io.type,
      digest: null,
      createdAt,
    });
  }
  if (rows.length > 0) await rc.deps.pipelines.recordArtifacts(rows);
}
