import { FerryError, PARENT_RUN_TAG } from '@ferry/core';
import type { Metric, Page, Run, RunStatus } from '@ferry/core';
import { ActiveRun } from './active-run.js';
import { experimentFromEnv, httpBaseUrl, isDatabaseUri, runIdFromEnv, trackingUriFromEnv } from './config.js';
import { inProcessServer } from './in-process.js';
import { loadModel } from './models.js';
import type { LoadModelFromUriOptions, LoadedRemoteModel } from './models.js';
import { PipelinesClient } from './pipelines-client.js';
import { ProjectsClient } from './projects-client.js';
import { RegistryClient } from './registry-client.js';
import type { InProcessServer } from './in-process.js';
import type { MetricQueueOptions } from './metric-queue.js';
import { captureSource } from './source-capture.js';
import type { RetryPolicy } from './retry.js';
import { TrackingClient } from './tracking-client.js';
import type { FetchLike, SearchRunsRequest } from './tracking-client.js';

export interface SessionConfig {
  /** Default: FERRY_TRACKING_URI / MLFLOW_TRACKING_URI, else http://127.0.0.1:5000. */
  trackingUri?: string;
  /** Another fetch, e.g. an in-process server's `app.fetch`. */
  fetch?: FetchLike;
  retry?: RetryPolicy;
  metricQueue?: MetricQueueOptions;
  /** Environment to read settings from (default process.env). */
  env?: Record<string, string | undefined>;
  /** The script recorded as the run's source (default: the one node was started with). */
  entryPoint?: string;
  /** Record git commit, branch, remote and dirty state, and the uncommitted diff (default true). */
  captureSource?: boolean;
}

export interface StartRunOptions {
  runName?: string;
  /** Start as a child of the active run (MLflow's `nested=True`). */
  nested?: boolean;
  tags?: Record<string, string>;
  /** Log into an existing run instead of creating one (default: FERRY_RUN_ID / MLFLOW_RUN_ID). */
  runId?: string;
  /** Sample CPU, memory, disk and network as `system/*` metrics every this many seconds (off by default). */
  systemMetricsSeconds?: number;
}

/**
 * The fluent tracking API: an experiment to log into and a stack of active runs, over one client.
 * Runs still active when the process is about to exit are flushed and ended FINISHED, as MLflow does.
 */
export class TrackingSession {
  readonly client: TrackingClient;
  /** The model registry and logged models on the same server. */
  readonly registry: RegistryClient;
  /** Pipelines, their runs and schedules on the same server (Ferry's own API). */
  readonly pipelines: PipelinesClient;
  /** Projects run by the server's executor (to run one here, use `runProject` from `@ferry/projects`). */
  readonly projects: ProjectsClient;
  private readonly env: Record<string, string | undefined>;
  private readonly queueOptions: MetricQueueOptions | undefined;
  private readonly entryPoint: string | undefined;
  private readonly captureGit: boolean;
  private experimentId: string | undefined;
  private readonly runs: ActiveRun[] = [];
  private exitHookInstalled = false;
  private local: InProcessServer | undefined;

  constructor(config: SessionConfig = {}) {
    this.env = config.env ?? process.env;
    const uri = config.trackingUri ?? trackingUriFromEnv(this.env);
    // A database URI: the server's own app answers in this process, on the same request path.
    if (isDatabaseUri(uri) && !config.fetch) this.local = inProcessServer(uri, this.env);
    this.client = new TrackingClient({
      trackingUri: this.local ? 'http://ferry.in-process' : httpBaseUrl(uri),
      ...(this.local ? { fetch: this.local.fetch } : config.fetch ? { fetch: config.fetch } : {}),
      ...(config.retry ? { retry: config.retry } : {}),
    });
    this.registry = new RegistryClient(this.client);
    this.pipelines = new PipelinesClient(this.client);
    this.projects = new ProjectsClient(this.client, this.pipelines);
    this.queueOptions = config.metricQueue;
    this.entryPoint = config.entryPoint ?? process.argv[1];
    this.captureGit = config.captureSource ?? true;
  }

  /** Logs into the experiment of that name from now on, creating it if needed; returns its id. */
  async setExperiment(name: string): Promise<string> {
    const existing = await this.client.findExperimentByName(name);
    if (existing?.lifecycle_stage === 'deleted') {
      throw new FerryError(
        'INVALID_PARAMETER_VALUE',
        `Experiment '${name}' (id ${existing.experiment_id}) is deleted; restore it with \`ferry experiments restore\` or choose another name.`,
      );
    }
    this.experimentId = existing?.experiment_id ?? (await this.createOrFind(name));
    return this.experimentId;
  }

  /** Creates the experiment; if another process created it first, uses theirs. */
  private async createOrFind(name: string): Promise<string> {
    try {
      return await this.client.createExperiment(name);
    } catch (error) {
      if (!(error instanceof FerryError && error.code === 'RESOURCE_ALREADY_EXISTS')) throw error;
      const created = await this.client.findExperimentByName(name);
      if (!created) throw error;
      return created.experiment_id;
    }
  }

  /** Logs into the experiment with this id from now on. */
  setExperimentId(experimentId: string): void {
    this.experimentId = experimentId;
  }

  private async currentExperimentId(): Promise<string> {
    if (this.experimentId) return this.experimentId;
    const fromEnv = experimentFromEnv(this.env);
    if (fromEnv.id) return (this.experimentId = fromEnv.id);
    if (fromEnv.name) return this.setExperiment(fromEnv.name);
    return '0';
  }

  /** The innermost active run, if any. */
  activeRun(): ActiveRun | undefined {
    return this.runs[this.runs.length - 1];
  }

  async startRun(options: StartRunOptions = {}): Promise<ActiveRun> {
    const parent = this.activeRun();
    if (parent && !options.nested) {
      throw new FerryError(
        'INVALID_PARAMETER_VALUE',
        `Run with UUID ${parent.runId} is already active. End it first, or pass { nested: true } to start a child run.`,
      );
    }
    const attachTo = options.runId ?? (this.runs.length === 0 ? runIdFromEnv(this.env) : undefined);
    let info: Run['info'];
    let diff: string | undefined;
    if (attachTo) {
      info = (await this.client.getRun(attachTo)).info;
      if (options.tags)
        await this.client.logBatch(attachTo, {
          tags: Object.entries(options.tags).map(([key, value]) => ({ key, value })),
        });
    } else {
      const source = await captureSource(this.entryPoint, { git: this.captureGit });
      const tags = [
        ...source.tags,
        ...Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value })),
      ];
      if (parent) tags.push({ key: PARENT_RUN_TAG, value: parent.runId });
      const run = await this.client.createRun({
        experimentId: await this.currentExperimentId(),
        tags,
        ...(options.runName ? { runName: options.runName } : {}),
      });
      info = run.info;
      diff = source.diff;
    }
    const active = new ActiveRun(this.client, info, this.queueOptions);
    if (options.systemMetricsSeconds) active.monitorSystem(options.systemMetricsSeconds);
    // The working tree's uncommitted changes, so the run can be reproduced exactly. Best effort: a
    // run whose artifacts cannot be written (no artifact proxy, say) is still a run worth logging.
    if (diff) {
      await active.logText(diff, 'source/uncommitted.diff').catch((error: unknown) => {
        process.emitWarning(
          `Ferry: could not keep the uncommitted diff of run ${active.runId}: ${(error as Error).message}`,
        );
      });
    }
    this.runs.push(active);
    this.installExitHook();
    return active;
  }

  /** Ends the innermost active run (flushing its metrics). */
  async endRun(status: RunStatus = 'FINISHED'): Promise<void> {
    const run = this.runs.pop();
    if (run) await run.end(status);
  }

  /**
   * Runs `fn` inside a new run: FINISHED when it returns, FAILED when it throws (the error is
   * rethrown after the run is ended).
   */
  async withRun<T>(fn: (run: ActiveRun) => Promise<T> | T, options: StartRunOptions = {}): Promise<T> {
    const run = await this.startRun(options);
    let result: T;
    try {
      result = await fn(run);
    } catch (error) {
      this.remove(run);
      await run.end('FAILED').catch(() => undefined);
      throw error;
    }
    this.remove(run);
    await run.end('FINISHED');
    return result;
  }

  private remove(run: ActiveRun): void {
    const at = this.runs.lastIndexOf(run);
    if (at !== -1) this.runs.splice(at, 1);
  }

  getRun(runId: string): Promise<Run> {
    return this.client.getRun(runId);
  }

  searchRuns(input: SearchRunsRequest): Promise<Page<Run>> {
    return this.client.searchRuns(input);
  }

  getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    return this.client.getMetricHistory(runId, key);
  }

  /**
   * Loads a model for prediction: `models:/<name>@<alias>`, `models:/<name>/<version|stage|latest>`,
   * `models:/<logged model id>`, `runs:/<run>/<name>`, an artifact URI or a local folder.
   */
  loadModel(uri: string, options: LoadModelFromUriOptions = {}): Promise<LoadedRemoteModel> {
    return loadModel(this.client, uri, options);
  }

  /** Ends the runs still active and, in process mode, closes the database. */
  async close(): Promise<void> {
    while (this.runs.length > 0) await this.endRun('FINISHED').catch(() => undefined);
    await this.local?.close();
  }

  private installExitHook(): void {
    if (this.exitHookInstalled) return;
    this.exitHookInstalled = true;
    // `beforeExit` still lets asynchronous work run, unlike `exit`: finish the runs left open.
    process.once('beforeExit', () => {
      this.exitHookInstalled = false;
      void this.close();
    });
  }
}
