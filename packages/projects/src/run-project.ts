/**
 * Running a project: fetch the source, check the entry point and parameters, create the tracking run
 * (MLflow's project tags and the parameters), prepare the environment, then run the command with the
 * run's ids in its environment so whatever it logs lands in that run. The command's output is streamed
 * and kept as the run's `project.log`; its exit code sets the status (0 FINISHED, else FAILED; KILLED
 * when aborted). Everything is in the options, nothing in the process, so a server can call this too.
 */

import { spawn } from 'node:child_process';
import { createWriteStream, openSync, closeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { FerryError } from '@ferry/core';
import type { RunStatus } from '@ferry/core';
import { ActiveRun, TrackingSession, experimentFromEnv, trackingUriFromEnv } from '@ferry/sdk';
import type { DetachedJob } from './detached-job.js';
import { DEFAULT_ENTRY_POINT, entryPointFor } from './entry-points.js';
import {
  checkEnvManager,
  defaultEnvManager,
  envCacheRoot,
  prepareEnvironment,
} from './environments/index.js';
import type { EnvManager, PreparedEnvironment } from './environments/index.js';
import { finishRun, statusOf } from './finish.js';
import { renderCommand, resolveParameters } from './parameters.js';
import { startGroup } from './process-group.js';
import { loadProject } from './project.js';
import { detachedRunnerCommand } from './runner-command.js';
import { fetchProject } from './source.js';
import type { ProjectSource } from './source.js';
import { PROJECT_SOURCE_TYPE, TAGS } from './tags.js';

export interface RunProjectOptions {
  /** A project folder or git URI, optionally with `#subdir`. */
  uri: string;
  /** Default `main`. */
  entryPoint?: string;
  parameters?: Record<string, string>;
  /** A commit, branch or tag of a git source. */
  version?: string;
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  /**
   * Run in this existing run instead of creating one (MLflow's `mlflow run --run-id`; a pipeline's
   * project step passes its task's run): the project's tags are set on it, parameters it does not
   * have yet are logged, and it ends with the command's status. Its experiment is used.
   */
  runId?: string;
  /** Default: from the project's declared environment. */
  envManager?: EnvManager | string;
  /** Where the run is tracked, and what the command is told (default: FERRY_/MLFLOW_TRACKING_URI). */
  trackingUri?: string;
  /** A session to create and end the run with (default: one on trackingUri, closed at the end). */
  session?: TrackingSession;
  /** Start the command and return at once; a runner process waits for it and ends the run. */
  detach?: boolean;
  /** Default: this process's stdout and stderr. */
  stdout?: Writable;
  stderr?: Writable;
  /** Aborting stops the command's process tree and ends the run KILLED. */
  signal?: AbortSignal;
  /** Where relative paths (the project, path parameters, a SQLite URI) start. Default process.cwd(). */
  cwd?: string;
  /** The environment the command starts from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Where environments are cached (default FERRY_ENV_CACHE, else ~/.ferry/envs). */
  envCacheDir?: string;
  /** Where git sources are cloned (default: the system's temporary folder). */
  tempDir?: string;
  /** Between SIGTERM and SIGKILL when stopping the command. Default 5000 ms. */
  killGraceMs?: number;
  /** More tags for the run. */
  tags?: Record<string, string>;
  /** Called once the run exists, before the environment is prepared. */
  onRunCreated?: (run: { runId: string; experimentId: string }) => void;
}

export interface SubmittedRun {
  runId: string;
  experimentId: string;
  /** RUNNING for a detached run; the final status otherwise. */
  status: RunStatus;
  /** The command's exit code (128 + signal number when a signal ended it); absent for detached runs. */
  exitCode?: number;
  /** A detached run's runner process (its process group ends the run KILLED when sent SIGTERM). */
  pid?: number;
  /** A detached run's log file, while it runs. */
  logPath?: string;
  environment: { manager: EnvManager; path?: string; reused: boolean };
  /** Resolves with the final state once the run has ended (polls the tracking server for detached runs). */
  wait(): Promise<SubmittedRun>;
}

/** A relative SQLite path made absolute: the command runs in another folder. */
function absoluteTrackingUri(uri: string, cwd: string): string {
  const file = /^sqlite:\/\/\/(.+)$/.exec(uri)?.[1];
  if (!file || file.startsWith('/') || file === ':memory:') return uri;
  return `sqlite:///${resolve(cwd, file)}`;
}

function user(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function sourceTags(source: ProjectSource): Record<string, string> {
  const tags: Record<string, string> = {};
  const git = source.git;
  if (!git) return tags;
  tags[TAGS.gitCommit] = git.commit;
  if (git.repoUrl) {
    tags[TAGS.gitRepoUrl] = git.repoUrl;
    tags[TAGS.legacyGitRepoUrl] = git.repoUrl;
  }
  if (git.branch) tags[TAGS.gitBranch] = git.branch;
  if (git.dirty !== undefined) tags[TAGS.gitDirty] = String(git.dirty);
  return tags;
}

async function experimentIdFor(
  session: TrackingSession,
  options: RunProjectOptions,
  env: Record<string, string | undefined>,
): Promise<string> {
  if (options.experimentId) return options.experimentId;
  if (options.experimentName) return session.setExperiment(options.experimentName);
  const fromEnv = experimentFromEnv(env);
  if (fromEnv.id) return fromEnv.id;
  if (fromEnv.name) return session.setExperiment(fromEnv.name);
  return '0';
}

/** A new run with the project's tags and parameters. */
async function createRun(
  session: TrackingSession,
  experimentId: string,
  tags: Record<string, string>,
  params: Record<string, string>,
  runName: string | undefined,
): Promise<ActiveRun> {
  const created = await session.client.createRun({
    experimentId,
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    ...(runName ? { runName } : {}),
  });
  const run = new ActiveRun(session.client, created.info);
  await run.logParams(params);
  return run;
}

/**
 * An existing run made the project's: its tags set, the parameters it lacks logged. A parameter it
 * already holds keeps its value (a run's params cannot change; a pipeline task's artifact input, say,
 * is recorded by URI while the project gets its local path).
 */
async function adoptRun(
  session: TrackingSession,
  runId: string,
  tags: Record<string, string>,
  params: Record<string, string>,
  warn: (message: string) => void,
): Promise<ActiveRun> {
  const existing = await session.client.getRun(runId);
  if (existing.info.lifecycle_stage === 'deleted') {
    throw new FerryError('INVALID_PARAMETER_VALUE', `Run ${runId} is deleted; it cannot run a project.`);
  }
  if (!['RUNNING', 'SCHEDULED'].includes(existing.info.status)) {
    throw new FerryError(
      'INVALID_PARAMETER_VALUE',
      `Run ${runId} is ${existing.info.status}; a project can only run in a run that has not ended.`,
    );
  }
  const run = new ActiveRun(session.client, existing.info);
  await run.setTags(tags);
  const held = new Map((existing.data.params ?? []).map((p) => [p.key, p.value]));
  const missing = Object.fromEntries(Object.entries(params).filter(([key]) => !held.has(key)));
  for (const [key, value] of Object.entries(params)) {
    if (held.has(key) && held.get(key) !== value) {
      warn(`run ${runId} already has parameter ${key}=${held.get(key)}; the project gets ${value}`);
    }
  }
  await run.logParams(missing);
  return run;
}

export async function runProject(options: RunProjectOptions): Promise<SubmittedRun> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const trackingUri = absoluteTrackingUri(options.trackingUri ?? trackingUriFromEnv(env), cwd);
  const killGraceMs = options.killGraceMs ?? 5000;
  const warn = (message: string) => stderr.write(`[ferry] ${message}\n`);

  const source = await fetchProject(options.uri, {
    ...(options.version ? { version: options.version } : {}),
    cwd,
  });
  let cleanupSource = true;
  const ownSession = !options.session;
  const session = options.session ?? new TrackingSession({ trackingUri, env, captureSource: false });
  let logDir: string | undefined;
  try {
    // Everything the user can get wrong is checked before a run is created.
    const project = loadProject(source.dir);
    const entryPoint = entryPointFor(project, options.entryPoint ?? DEFAULT_ENTRY_POINT, env);
    const resolved = resolveParameters(entryPoint, options.parameters ?? {}, {
      cwd,
      projectDir: project.dir,
    });
    const command = renderCommand(entryPoint, resolved);
    const manager = options.envManager ? checkEnvManager(options.envManager) : defaultEnvManager(project);

    const tags: Record<string, string> = {
      [TAGS.user]: user(),
      [TAGS.sourceType]: PROJECT_SOURCE_TYPE,
      [TAGS.sourceName]: source.name,
      ...sourceTags(source),
      [TAGS.entryPoint]: entryPoint.name,
      [TAGS.env]: manager,
      [TAGS.backend]: 'local',
      [TAGS.parameters]: JSON.stringify(resolved.given),
      ...(options.version ? { [TAGS.version]: options.version } : {}),
      ...(project.environment.type === 'docker_env' && manager === 'docker'
        ? { [TAGS.dockerImage]: project.environment.image }
        : {}),
      ...options.tags,
    };
    const params = { ...resolved.values, ...resolved.extras };
    const run = options.runId
      ? await adoptRun(session, options.runId, tags, params, warn)
      : await createRun(session, await experimentIdFor(session, options, env), tags, params, options.runName);
    const runId = run.runId;
    options.onRunCreated?.({ runId, experimentId: run.experimentId });

    logDir = await mkdtemp(join(tmpdir(), 'ferry-run-'));
    const logPath = join(logDir, 'project.log');
    const log = createWriteStream(logPath, { flags: 'a' });
    const output = (text: string) => {
      stderr.write(text);
      log.write(text);
    };
    const closeLog = () => new Promise<void>((done) => log.end(done));

    let prepared: PreparedEnvironment;
    try {
      prepared = await prepareEnvironment(manager, {
        project,
        cacheRoot: envCacheRoot(options.envCacheDir, env),
        env,
        output,
      });
    } catch (error) {
      log.write(`[ferry] ${(error as Error).message}\n`);
      await closeLog();
      await finishRun(run, logPath, 'FAILED', warn);
      throw error;
    }

    const runEnv: Record<string, string> = {
      MLFLOW_RUN_ID: runId,
      MLFLOW_TRACKING_URI: trackingUri,
      MLFLOW_EXPERIMENT_ID: run.experimentId,
      FERRY_RUN_ID: runId,
      FERRY_TRACKING_URI: trackingUri,
      FERRY_EXPERIMENT_ID: run.experimentId,
    };
    const childEnv = { ...env, PYTHONUNBUFFERED: '1', ...prepared.env, ...runEnv };
    const argv = prepared.argv(command, runEnv);
    const environment = {
      manager,
      reused: prepared.reused,
      ...(prepared.path ? { path: prepared.path } : {}),
    };
    output(`[ferry] running ${command}\n`);

    if (options.detach) {
      await closeLog();
      const job: DetachedJob = {
        runId,
        trackingUri,
        argv,
        cwd: project.dir,
        env: childEnv,
        logPath,
        killGraceMs,
        removeAfter: [logDir, ...(source.temporary ? [source.root] : [])],
      };
      const jobFile = join(logDir, 'job.json');
      await writeFile(jobFile, JSON.stringify(job), { mode: 0o600 });
      const fd = openSync(logPath, 'a');
      const [program, ...args] = detachedRunnerCommand(jobFile);
      const child = spawn(program!, args, {
        cwd: project.dir,
        env: childEnv,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      closeSync(fd);
      child.unref();
      cleanupSource = false; // the runner removes the clone once the run has ended
      const submitted: SubmittedRun = {
        runId,
        experimentId: run.experimentId,
        status: 'RUNNING',
        ...(child.pid !== undefined ? { pid: child.pid } : {}),
        logPath,
        environment,
        wait: () => waitForRun(submitted, trackingUri, env, options.session),
      };
      logDir = undefined; // the runner's now
      return submitted;
    }

    const group = startGroup(argv, { cwd: project.dir, env: childEnv, output: { stdout, stderr, log } });
    const onAbort = () => group.stop(killGraceMs);
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const exit = await group.done;
    options.signal?.removeEventListener('abort', onAbort);
    const status = statusOf(exit);
    log.write(`[ferry] command ended with exit code ${exit.exitCode}: run ${runId} ${status}\n`);
    await closeLog();
    await finishRun(run, logPath, status, warn);
    const finished: SubmittedRun = {
      runId,
      experimentId: run.experimentId,
      status,
      exitCode: exit.exitCode,
      environment,
      wait: async () => finished,
    };
    return finished;
  } finally {
    if (logDir) await rm(logDir, { recursive: true, force: true });
    if (cleanupSource) await source.cleanup();
    if (ownSession) await session.close();
  }
}

const TERMINAL: RunStatus[] = ['FINISHED', 'FAILED', 'KILLED'];

/** Polls a detached run until it has ended. */
async function waitForRun(
  submitted: SubmittedRun,
  trackingUri: string,
  env: Record<string, string | undefined>,
  given: TrackingSession | undefined,
): Promise<SubmittedRun> {
  const session = given ?? new TrackingSession({ trackingUri, env, captureSource: false });
  try {
    for (;;) {
      const status = (await session.client.getRun(submitted.runId)).info.status;
      if (TERMINAL.includes(status))
        return { ...submitted, status, wait: async () => ({ ...submitted, status }) };
      await new Promise((done) => setTimeout(done, 250));
    }
  } finally {
    if (!given) await session.close();
  }
}
