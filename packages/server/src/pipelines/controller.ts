import { availableParallelism } from 'node:os';
import type { ArtifactStore } from '@ferry/artifacts';
import { resolveArtifactUri } from '@ferry/artifacts';
import { invalidParam } from '@ferry/core';
import { LocalExecutor, PipelineController, PipelineScheduler } from '@ferry/executor';
import type { ControllerDeps, ControllerOptions } from '@ferry/executor';
import type { PipelineStore, TrackingStore } from '@ferry/store';

export interface PipelineRunnerConfig {
  pipelines: PipelineStore;
  tracking: TrackingStore;
  /** The server's proxy store: `mlflow-artifacts:/` URIs resolve to it. */
  artifactProxy?: ArtifactStore;
  /** Scratch space of running tasks (staged inputs and outputs, live logs). */
  workDir: string;
  /** Given to tasks as their tracking URI; may be set later, before the first run (see `setTrackingUri`). */
  trackingUri: string;
  /** Tasks running at once on this machine; default: the number of CPUs. */
  concurrency?: number;
  /** The argv of `ferry run` for project steps (default: FERRY_PROJECT_COMMAND, else `ferry run`). */
  projectCommand?: string[];
  controllerOptions?: ControllerOptions;
  log?: (message: string) => void;
}

/**
 * A pipeline controller with a local executor, as the server and the SDK's in-process mode run it, and
 * a schedule firer on it (started by `ferry server` only). Nothing runs until the caller starts them.
 */
export interface PipelineRunner {
  controller: PipelineController;
  executor: LocalExecutor;
  scheduler: PipelineScheduler;
  workDir: string;
  /** Sets the URI tasks log to (the server's own URL is only known once it listens). */
  setTrackingUri(uri: string): void;
  /** Stops firing schedules and driving runs (they stay as they are for the next controller), then the executor. */
  close(): Promise<void>;
}

/** `FERRY_PIPELINE_CONCURRENCY`: tasks running at once; undefined when not set (the CPUs then). */
export function pipelineConcurrencyFromEnv(env: Record<string, string | undefined>): number | undefined {
  const raw = env.FERRY_PIPELINE_CONCURRENCY?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw invalidParam(`FERRY_PIPELINE_CONCURRENCY must be a whole number of at least 1 (got '${raw}').`);
  }
  return n;
}

/**
 * `FERRY_PIPELINE_LEASE_MS`: how long a server's claim on a run lasts without renewal, i.e. how soon
 * another server takes over the runs of one that died (default 30 s; stopping cleanly releases them at once).
 */
export function pipelineLeaseFromEnv(env: Record<string, string | undefined>): number | undefined {
  const raw = env.FERRY_PIPELINE_LEASE_MS?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 100) {
    throw invalidParam(
      `FERRY_PIPELINE_LEASE_MS must be a whole number of milliseconds, at least 100 (got '${raw}').`,
    );
  }
  return n;
}

/**
 * `FERRY_PROJECT_COMMAND`: the argv (a JSON array) that starts `ferry run` for pipelines' project
 * steps; the `ferry` CLI sets it to itself. Undefined when not set (`ferry run` from the PATH then).
 */
export function projectCommandFromEnv(env: Record<string, string | undefined>): string[] | undefined {
  const raw = env.FERRY_PROJECT_COMMAND?.trim();
  if (!raw) return undefined;
  let argv: unknown;
  try {
    argv = JSON.parse(raw);
  } catch {
    argv = undefined;
  }
  if (!Array.isArray(argv) || argv.length === 0 || argv.some((part) => typeof part !== 'string')) {
    throw invalidParam(
      `FERRY_PROJECT_COMMAND must be a JSON array of strings, e.g. ["ferry","run"] (got '${raw}').`,
    );
  }
  return argv as string[];
}

export function createPipelineRunner(config: PipelineRunnerConfig): PipelineRunner {
  const executor = new LocalExecutor({ concurrency: config.concurrency ?? availableParallelism() });
  const deps: ControllerDeps = {
    pipelines: config.pipelines,
    tracking: config.tracking,
    executor,
    resolveArtifact: (uri) => resolveArtifactUri(uri, config.artifactProxy),
    workDir: config.workDir,
    trackingUri: config.trackingUri,
    ...(config.log ? { log: config.log } : {}),
  };
  const projectCommand = config.projectCommand ?? projectCommandFromEnv(process.env);
  if (projectCommand) deps.projectCommand = projectCommand;
  const controller = new PipelineController(deps, config.controllerOptions);
  const scheduler = new PipelineScheduler({
    pipelines: config.pipelines,
    controller,
    ...(config.log ? { log: config.log } : {}),
  });
  let closing: Promise<void> | undefined;
  return {
    controller,
    executor,
    scheduler,
    workDir: config.workDir,
    setTrackingUri(uri) {
      // The controller reads its deps when it starts a task, so this reaches every later task.
      deps.trackingUri = uri;
    },
    close() {
      closing ??= (async () => {
        await scheduler.stop();
        await controller.stop();
        await executor.close();
      })();
      return closing;
    },
  };
}
