import { FerryError } from '@ferry/core';
import { runFromWire } from './pipelines-client.js';
import type { PipelineRun, PipelinesClient, WaitForRunOptions } from './pipelines-client.js';
import type { TrackingClient } from './tracking-client.js';

/** A project run for the server to start (Ferry's `POST /api/2.0/ferry/projects/runs/submit`). */
export interface SubmitProjectRequest {
  /** A project folder (as the server sees it) or a git URI, with an optional `#subdir`. */
  uri: string;
  /** Default `main`. */
  entryPoint?: string;
  parameters?: Record<string, string | number | boolean>;
  /** A commit, branch or tag of a git source. */
  version?: string;
  /** local, virtualenv, conda, node; default: the project's declared environment. */
  envManager?: string;
  /** Default `0`. */
  experimentId?: string;
  /** The name of the pipeline run that carries it. */
  runName?: string;
}

/** A project run on the server: the pipeline run carrying it and, once it started, its tracking run. */
export interface ServerProjectRun {
  pipelineRunId: string;
  /** The tracking run the project logs into (null until the server starts it). */
  runId: string | null;
  /** The carrying pipeline run's status (pending, running, succeeded, failed, cancelled, …). */
  status: PipelineRun['status'];
  error: string | null;
}

/**
 * Projects run by the server (its executor, the one pipelines use): each is a one-task pipeline run
 * whose task runs the entry point in its own tracking run. To run a project on this machine instead,
 * use `runProject` from `@ferry/projects` (what `ferry run` does).
 */
export class ProjectsClient {
  constructor(
    private readonly client: TrackingClient,
    private readonly pipelines: PipelinesClient,
  ) {}

  /** Submits the run and returns at once (`runId` is null until the server starts the task). */
  async submit(request: SubmitProjectRequest): Promise<ServerProjectRun> {
    const fields: Record<string, unknown> = {
      uri: request.uri,
      entry_point: request.entryPoint,
      parameters: request.parameters,
      version: request.version,
      env_manager: request.envManager,
      experiment_id: request.experimentId,
      run_name: request.runName,
    };
    const body = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
    const res = await this.client.call<{ run: Record<string, unknown> }>(
      'POST',
      'projects/runs/submit',
      body,
      'ferry',
    );
    const run = runFromWire(res.run);
    return { pipelineRunId: run.runId, runId: null, status: run.status, error: run.error };
  }

  /** The run's state now. */
  async get(pipelineRunId: string): Promise<ServerProjectRun> {
    const { run, tasks } = await this.pipelines.getRun(pipelineRunId);
    return projectRunOf(run, tasks);
  }

  /**
   * Submits the run and waits for it to end; a run that did not succeed is returned too (check
   * `status`), so the caller can read its log (`session.pipelines.logs(pipelineRunId, entryPoint)`).
   */
  async run(request: SubmitProjectRequest, options: WaitForRunOptions = {}): Promise<ServerProjectRun> {
    const submitted = await this.submit(request);
    const { run, tasks } = await this.pipelines.waitForRun(submitted.pipelineRunId, options);
    return projectRunOf(run, tasks);
  }
}

function projectRunOf(run: PipelineRun, tasks: { trackingRunId: string | null }[]): ServerProjectRun {
  if (tasks.length > 1) {
    throw new FerryError('INVALID_PARAMETER_VALUE', `pipeline run ${run.runId} is not a project run`);
  }
  return {
    pipelineRunId: run.runId,
    runId: tasks[0]?.trackingRunId ?? null,
    status: run.status,
    error: run.error,
  };
}
