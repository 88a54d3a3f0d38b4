import type {
  DatasetInput,
  Experiment,
  Filter,
  LogBatch,
  Metric,
  ModelInput,
  OrderBy,
  Page,
  Run,
  RunInfo,
  RunStatus,
  Tag,
  ViewType,
} from '@ferry/core';

export interface CreateExperimentInput {
  name: string;
  artifactLocation?: string;
  tags?: Tag[];
}

export interface SearchExperimentsInput {
  viewType?: ViewType;
  maxResults: number;
  filter?: Filter;
  orderBy?: OrderBy[];
  pageToken?: string;
}

export interface CreateRunInput {
  experimentId: string;
  userId?: string;
  runName?: string;
  startTime?: number;
  tags?: Tag[];
}

export interface UpdateRunInput {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

export interface SearchRunsInput {
  experimentIds: string[];
  filter?: Filter;
  viewType?: ViewType;
  maxResults: number;
  orderBy?: OrderBy[];
  pageToken?: string;
}

/** A metric point as history endpoints return it (bulk reads add the run id). */
export type MetricPoint = Metric & { run_id?: string };

/**
 * A page of one metric's history already in MLflow's wire form: `pointsJson` is the JSON array text
 * of `{"key", "value", "timestamp", "step"}` objects (NaN as the string "NaN"), ready to be sent.
 */
export interface MetricHistoryText {
  pointsJson: string;
  nextPageToken?: string;
}

/** What `ferry gc` may remove: entities in the deleted stage, with where their artifacts live. */
export interface DeletedEntities {
  runs: { runId: string; experimentId: string; artifactUri: string; deletedTime: number }[];
  experiments: { experimentId: string; name: string; artifactLocation: string; deletedTime: number }[];
}

export interface HistoryBulkIntervalInput {
  runIds: string[];
  key: string;
  startStep?: number;
  endStep?: number;
  maxResults: number;
}

/** A query for getMetricHistoryDownsampled. */
export interface DownsampleInput {
  runIds: string[];
  key: string;
  /** At most this many points per run (4 to 10,000). */
  maxPoints: number;
  /** The axis points are ordered and bucketed along. */
  xAxis: 'step' | 'timestamp';
}

/** One point of a downsampled series (NaN values stay NaN). */
export interface DownsampledPoint {
  step: number;
  timestamp: number;
  value: number;
}

/** One run's series of a metric, reduced for drawing. */
export interface DownsampledSeries {
  runId: string;
  key: string;
  /** How many points the full history holds. */
  totalPoints: number;
  /** True when `points` is a reduction of the history, false when it is all of it. */
  downsampled: boolean;
  /** In x order (then the other of step and timestamp, then value). */
  points: DownsampledPoint[];
}

/**
 * The tracking metadata store. Every method validates its input and throws FerryError with MLflow's
 * codes (RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE, RESOURCE_ALREADY_EXISTS, INVALID_STATE).
 * Writes are atomic: a rejected call leaves nothing behind.
 */
export interface TrackingStore {
  /** Creates the schema or brings it up to date; call once before use. */
  open(): Promise<void>;
  close(): Promise<void>;

  createExperiment(input: CreateExperimentInput): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  getExperimentByName(name: string): Promise<Experiment>;
  searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>>;
  renameExperiment(experimentId: string, newName: string): Promise<void>;
  deleteExperiment(experimentId: string): Promise<void>;
  restoreExperiment(experimentId: string): Promise<void>;
  setExperimentTag(experimentId: string, tag: Tag): Promise<void>;
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;

  createRun(input: CreateRunInput): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  restoreRun(runId: string): Promise<void>;
  /** The one write primitive for metrics, params and tags. */
  logBatch(runId: string, batch: LogBatch): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  /** Datasets a run used, and (MLflow 3) the logged models it took as input. */
  logInputs(runId: string, datasets: DatasetInput[], models?: ModelInput[]): Promise<void>;
  searchRuns(input: SearchRunsInput): Promise<Page<Run>>;

  /**
   * The same page as getMetricHistory, serialised by the database: histories run to hundreds of
   * thousands of points, and decoding rows only to encode them again would be most of the cost.
   */
  getMetricHistoryText(
    runId: string,
    key: string,
    options?: { maxResults?: number; pageToken?: string },
  ): Promise<MetricHistoryText>;
  /** Runs and experiments in the deleted stage since before `before` (ms since the epoch). */
  findDeleted(before: number): Promise<DeletedEntities>;
  /**
   * Removes deleted runs for good, with everything logged to them. INVALID_PARAMETER_VALUE for a run
   * that is not deleted (nothing is removed then); RESOURCE_DOES_NOT_EXIST for an unknown one.
   */
  purgeRuns(runIds: string[]): Promise<void>;
  /** Removes deleted experiments for good, with all their runs and datasets; same rules as purgeRuns. */
  purgeExperiments(experimentIds: string[]): Promise<void>;
  /** Full history when maxResults is absent; otherwise pages of maxResults. */
  getMetricHistory(
    runId: string,
    key: string,
    options?: { maxResults?: number; pageToken?: string },
  ): Promise<Page<MetricPoint>>;
  /** The runs' histories of one metric, ordered by run id then time, capped at maxResults points in all. */
  getMetricHistoryBulk(runIds: string[], key: string, maxResults: number): Promise<MetricPoint[]>;
  /** Per run, points at up to maxResults steps spread evenly over the step range. */
  getMetricHistoryBulkInterval(input: HistoryBulkIntervalInput): Promise<MetricPoint[]>;
  /**
   * Each run's history of one metric at most `maxPoints` long, for charts (a Ferry extension): whole
   * when short enough, otherwise the min and max point of each x bucket plus the first and last.
   */
  getMetricHistoryDownsampled(input: DownsampleInput): Promise<DownsampledSeries[]>;
}
