import { Kysely } from 'kysely';
import type { DatasetInput, Experiment, LogBatch, ModelInput, Page, Run, RunInfo, Tag } from '@ferry/core';
import type { DialectAdapter } from './dialect/adapter.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';
import type { StoreContext } from './sql/context.js';
import * as experiments from './sql/experiments.js';
import { logBatch } from './sql/log-batch.js';
import { logInputs } from './sql/log-inputs.js';
import * as purge from './sql/purge.js';
import { getMetricHistoryDownsampled } from './sql/metric-downsample.js';
import * as history from './sql/metric-history.js';
import * as runs from './sql/runs.js';
import { searchRuns } from './sql/search-runs.js';
import type {
  CreateExperimentInput,
  CreateRunInput,
  DeletedEntities,
  DownsampleInput,
  DownsampledSeries,
  HistoryBulkIntervalInput,
  MetricHistoryText,
  MetricPoint,
  SearchExperimentsInput,
  SearchRunsInput,
  TrackingStore,
  UpdateRunInput,
} from './tracking-store.js';

export interface SqlTrackingStoreConfig {
  adapter: DialectAdapter;
  /** e.g. `mlflow-artifacts:/` (artifacts proxied by the server) or `file:///data/artifacts`. */
  defaultArtifactRoot: string;
  /** Run migrations in open(); on by default, off for `ferry db upgrade`-managed deployments. */
  migrate?: boolean;
}

/** The TrackingStore on any SQL database kysely speaks; database differences live in the adapter. */
export class SqlTrackingStore implements TrackingStore {
  private readonly ctx: StoreContext;

  constructor(private readonly config: SqlTrackingStoreConfig) {
    this.ctx = {
      db: new Kysely<Database>({ dialect: config.adapter.createDialect() }),
      adapter: config.adapter,
      defaultArtifactRoot: config.defaultArtifactRoot,
    };
  }

  get adapter(): DialectAdapter {
    return this.config.adapter;
  }

  /** The connection and dialect facts, shared with the registry and webhook stores on the same database. */
  get context(): StoreContext {
    return this.ctx;
  }

  async open(): Promise<void> {
    if (this.config.migrate !== false) {
      const outcome = await migrateToLatest(this.ctx.db as Kysely<unknown>, this.config.adapter);
      if (outcome.error !== undefined) throw outcome.error;
    }
    await experiments.placeDefaultExperiment(this.ctx);
  }

  async close(): Promise<void> {
    await this.ctx.db.destroy();
  }

  createExperiment = (input: CreateExperimentInput): Promise<string> =>
    experiments.createExperiment(this.ctx, input);
  getExperiment = (id: string): Promise<Experiment> => experiments.getExperiment(this.ctx, id);
  getExperimentByName = (name: string): Promise<Experiment> =>
    experiments.getExperimentByName(this.ctx, name);
  searchExperiments = (input: SearchExperimentsInput): Promise<Page<Experiment>> =>
    experiments.searchExperiments(this.ctx, input);
  renameExperiment = (id: string, newName: string): Promise<void> =>
    experiments.renameExperiment(this.ctx, id, newName);
  deleteExperiment = (id: string): Promise<void> =>
    experiments.setExperimentLifecycle(this.ctx, id, 'deleted');
  restoreExperiment = (id: string): Promise<void> =>
    experiments.setExperimentLifecycle(this.ctx, id, 'active');
  setExperimentTag = (id: string, tag: Tag): Promise<void> => experiments.setExperimentTag(this.ctx, id, tag);
  deleteExperimentTag = (id: string, key: string): Promise<void> =>
    experiments.deleteExperimentTag(this.ctx, id, key);

  createRun = (input: CreateRunInput): Promise<Run> => runs.createRun(this.ctx, input);
  getRun = (runId: string): Promise<Run> => runs.getRun(this.ctx, runId);
  updateRun = (runId: string, input: UpdateRunInput): Promise<RunInfo> =>
    runs.updateRun(this.ctx, runId, input);
  deleteRun = (runId: string): Promise<void> => runs.setRunLifecycle(this.ctx, runId, 'deleted');
  restoreRun = (runId: string): Promise<void> => runs.setRunLifecycle(this.ctx, runId, 'active');
  logBatch = (runId: string, batch: LogBatch): Promise<void> => logBatch(this.ctx, runId, batch);
  deleteTag = (runId: string, key: string): Promise<void> => runs.deleteTag(this.ctx, runId, key);
  logInputs = (runId: string, datasets: DatasetInput[], models: ModelInput[] = []): Promise<void> =>
    logInputs(this.ctx, runId, datasets, models);
  searchRuns = (input: SearchRunsInput): Promise<Page<Run>> => searchRuns(this.ctx, input);

  findDeleted = (before: number): Promise<DeletedEntities> => purge.findDeleted(this.ctx, before);
  purgeRuns = (runIds: string[]): Promise<void> => purge.purgeRuns(this.ctx, runIds);
  purgeExperiments = (experimentIds: string[]): Promise<void> =>
    purge.purgeExperiments(this.ctx, experimentIds);

  getMetricHistoryText = (
    runId: string,
    key: string,
    options?: { maxResults?: number; pageToken?: string },
  ): Promise<MetricHistoryText> => history.getMetricHistoryText(this.ctx, runId, key, options);
  getMetricHistory = (
    runId: string,
    key: string,
    options?: { maxResults?: number; pageToken?: string },
  ): Promise<Page<MetricPoint>> => history.getMetricHistory(this.ctx, runId, key, options);
  getMetricHistoryBulk = (runIds: string[], key: string, maxResults: number): Promise<MetricPoint[]> =>
    history.getMetricHistoryBulk(this.ctx, runIds, key, maxResults);
  getMetricHistoryBulkInterval = (input: HistoryBulkIntervalInput): Promise<MetricPoint[]> =>
    history.getMetricHistoryBulkInterval(this.ctx, input);
  getMetricHistoryDownsampled = (input: DownsampleInput): Promise<DownsampledSeries[]> =>
    getMetricHistoryDownsampled(this.ctx, input);
}
