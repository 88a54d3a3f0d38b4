import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { FerryError, LIMITS } from '@ferry/core';
import type { Dataset, Metric, Run, RunStatus, Tag } from '@ferry/core';
import type { ModelSpec } from '@ferry/models';
import { ArtifactWriter } from './artifact-writer.js';
import { MetricQueue } from './metric-queue.js';
import { logModel } from './models.js';
import type { LogModelOptions, LoggedModelResult } from './models.js';
import type { MetricQueueOptions } from './metric-queue.js';
import { SystemSampler } from './system-metrics.js';
import { ProgressCounter } from './transfer-progress.js';
import type { TransferOptions } from './transfer-progress.js';
import type { TrackingClient } from './tracking-client.js';

export interface MetricOptions {
  step?: number;
  /** Milliseconds since the epoch; now when omitted. */
  timestamp?: number;
}

/** The tag through which MLflow's UI finds a run's table artifacts. */
const LOGGED_ARTIFACTS_TAG = 'mlflow.loggedArtifacts';
const DATASET_CONTEXT_TAG = 'mlflow.data.context';

const entries = (values: Record<string, string | number | boolean>): Tag[] =>
  Object.entries(values).map(([key, value]) => ({ key, value: String(value) }));

/**
 * A run being logged to. Params and tags are written at once (they are few, and a conflicting param
 * should fail where it is logged); metrics go through a background queue in batches.
 */
export class ActiveRun {
  private readonly metrics: MetricQueue;
  private readonly artifacts: ArtifactWriter;
  private ended = false;
  private monitor: NodeJS.Timeout | undefined;

  constructor(
    readonly client: TrackingClient,
    readonly info: Run['info'],
    queueOptions?: MetricQueueOptions,
  ) {
    this.metrics = new MetricQueue((batch) => client.logBatch(info.run_id, { metrics: batch }), queueOptions);
    this.artifacts = new ArtifactWriter(client, info.artifact_uri);
  }

  get runId(): string {
    return this.info.run_id;
  }

  get experimentId(): string {
    return this.info.experiment_id;
  }

  logParam(key: string, value: string | number | boolean): Promise<void> {
    return this.logParams({ [key]: value });
  }

  logParams(values: Record<string, string | number | boolean>): Promise<void> {
    return this.writeNow('params', entries(values));
  }

  /** Params or tags, written at once in batches within MLflow's limit of 100 per request. */
  private async writeNow(kind: 'params' | 'tags', items: Tag[]): Promise<void> {
    const limit = kind === 'params' ? LIMITS.paramsPerBatch : LIMITS.tagsPerBatch;
    for (let i = 0; i < items.length; i += limit) {
      await this.client.logBatch(this.runId, { [kind]: items.slice(i, i + limit) });
    }
  }

  setTag(key: string, value: string | number | boolean): Promise<void> {
    return this.setTags({ [key]: value });
  }

  setTags(values: Record<string, string | number | boolean>): Promise<void> {
    return this.writeNow('tags', entries(values));
  }

  /**
   * Queues one point; returns at once unless the queue is full (await it to bound memory). Errors
   * of the background send surface here on later calls, and from flush() and end().
   */
  logMetric(key: string, value: number, options: MetricOptions = {}): Promise<void> {
    const point: Metric = { key, value, timestamp: options.timestamp ?? Date.now(), step: options.step ?? 0 };
    return this.metrics.add([point]);
  }

  logMetrics(values: Record<string, number>, options: MetricOptions = {}): Promise<void> {
    const timestamp = options.timestamp ?? Date.now();
    const step = options.step ?? 0;
    return this.metrics.add(Object.entries(values).map(([key, value]) => ({ key, value, timestamp, step })));
  }

  /** Uploads a local file as an artifact, into the run-relative folder `artifactPath` if given. */
  logArtifact(file: string, artifactPath?: string): Promise<void> {
    return this.artifacts.putFile(file, artifactPath);
  }

  /** Uploads every file under a local folder, keeping the layout, into `artifactPath` if given. */
  logArtifacts(dir: string, artifactPath?: string, options?: TransferOptions): Promise<void> {
    return this.artifacts.putDirectory(dir, artifactPath, options);
  }

  /** Writes text as the artifact `artifactFile` (a run-relative path such as `notes/summary.txt`). */
  logText(text: string, artifactFile: string): Promise<void> {
    return this.artifacts.put(artifactFile, text);
  }

  /** Writes a value as JSON, or as YAML when the file name ends in .yaml or .yml (as MLflow's log_dict). */
  logDict(value: unknown, artifactFile: string): Promise<void> {
    const text = /\.ya?ml$/i.test(artifactFile) ? toYaml(value) : JSON.stringify(value, null, 2);
    return this.artifacts.put(artifactFile, text);
  }

  /** Writes encoded image bytes (PNG, JPEG...) as the artifact `artifactFile`. */
  logImage(bytes: Uint8Array, artifactFile: string): Promise<void> {
    return this.artifacts.put(artifactFile, bytes);
  }

  /**
   * Writes rows as a JSON table artifact in MLflow's format (`{"columns", "data"}`) and lists it in
   * the run's `mlflow.loggedArtifacts` tag, which is how the UI finds tables to show.
   */
  async logTable(rows: Record<string, unknown>[], artifactFile: string): Promise<void> {
    if (!artifactFile.endsWith('.json')) {
      throw new FerryError(
        'INVALID_PARAMETER_VALUE',
        `A table artifact must be a .json file, got '${artifactFile}'.`,
      );
    }
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    const data = rows.map((r) => columns.map((c) => r[c] ?? null));
    await this.artifacts.put(artifactFile, JSON.stringify({ columns, data }));
    const run = await this.client.getRun(this.runId);
    const previous = run.data.tags?.find((t) => t.key === LOGGED_ARTIFACTS_TAG)?.value;
    const listed = previous ? (JSON.parse(previous) as { path: string; type: string }[]) : [];
    if (!listed.some((a) => a.path === artifactFile)) listed.push({ path: artifactFile, type: 'table' });
    await this.setTag(LOGGED_ARTIFACTS_TAG, JSON.stringify(listed));
  }

  /** Records a dataset as an input of the run; `context` (e.g. "training") becomes its input tag. */
  logInput(dataset: Dataset, context?: string): Promise<void> {
    return this.client.logInputs(this.runId, [
      context ? { dataset, tags: [{ key: DATASET_CONTEXT_TAG, value: context }] } : { dataset },
    ]);
  }

  /** Downloads the artifact file or folder at `path` ('' for all) into the local folder `dst`. */
  async downloadArtifacts(path: string, dst: string, options: TransferOptions = {}): Promise<void> {
    const files = await this.artifactFiles(path);
    // A path that lists nothing is a single file (or nothing, which the server then reports).
    const single = files.length === 0 && path !== '';
    const plan = single
      ? [{ path, size: 0, target: join(dst, path.split('/').pop() ?? path) }]
      : files.map((f) => ({
          ...f,
          target: join(dst, f.path.slice(path ? path.length + 1 : 0)),
        }));
    const progress = new ProgressCounter(
      plan.length,
      plan.reduce((n, f) => n + f.size, 0),
      options.onProgress,
    );
    for (const f of plan) {
      const bytes = await this.client.getArtifact(this.runId, f.path);
      await mkdir(dirname(f.target), { recursive: true });
      await writeFile(f.target, bytes);
      progress.done(f.path, bytes.length);
    }
  }

  /** Every file under an artifact folder, recursively, with its size. */
  private async artifactFiles(path: string): Promise<{ path: string; size: number }[]> {
    const out: { path: string; size: number }[] = [];
    for (const entry of await this.client.listArtifacts(this.runId, path || undefined)) {
      if (entry.is_dir) out.push(...(await this.artifactFiles(entry.path)));
      else out.push({ path: entry.path, size: entry.file_size ?? 0 });
    }
    return out;
  }

  /**
   * Logs CPU, memory, disk and network as `system/*` metrics every `intervalSeconds` until the run
   * ends (MLflow's system metrics). Steps count the samples, from 0.
   */
  monitorSystem(intervalSeconds = 10): void {
    if (this.monitor) return;
    const sampler = new SystemSampler();
    let step = 0;
    this.monitor = setInterval(() => {
      void sampler
        .sample()
        .then((sample) => {
          if (this.ended) return;
          const values = Object.fromEntries(Object.entries(sample).map(([k, v]) => [`system/${k}`, v]));
          return this.logMetrics(values, { step: step++ });
        })
        .catch((error: unknown) =>
          process.emitWarning(`Ferry: system metrics of run ${this.runId}: ${(error as Error).message}`),
        );
    }, intervalSeconds * 1000);
    // Sampling alone never keeps the process alive.
    this.monitor.unref();
  }

  /** Logs a model produced by this run (see `logModel`): a logged model with its files, optionally registered. */
  logModel(model: ModelSpec, options: LogModelOptions = {}): Promise<LoggedModelResult> {
    return logModel(this, model, options);
  }

  /** Resolves when every metric logged so far is stored. */
  flush(): Promise<void> {
    return this.metrics.flush();
  }

  /** Sends what is queued, then marks the run ended with `status` (FINISHED by default). */
  async end(status: RunStatus = 'FINISHED'): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.monitor);
    try {
      await this.flush();
    } finally {
      await this.client.updateRun(this.runId, { status, endTime: Date.now() });
    }
  }
}
