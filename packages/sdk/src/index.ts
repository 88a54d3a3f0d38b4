export { TrackingClient } from './tracking-client.js';
export type { FetchLike, SearchRunsRequest, TrackingClientConfig } from './tracking-client.js';
export { TrackingSession } from './session.js';
export type { SessionConfig, StartRunOptions } from './session.js';
export { ActiveRun } from './active-run.js';
export type { MetricOptions } from './active-run.js';
export { MetricQueue } from './metric-queue.js';
export type { MetricQueueOptions } from './metric-queue.js';
export { DEFAULT_RETRY } from './retry.js';
export type { RetryPolicy } from './retry.js';
export { trackingUriFromEnv, experimentFromEnv, runIdFromEnv } from './config.js';
export { SystemSampler } from './system-metrics.js';
export type { SystemSample } from './system-metrics.js';
export { ferryCallback } from './tfjs-callback.js';
export type { TfModule } from './tfjs-callback.js';
export type { TransferOptions, TransferProgress } from './transfer-progress.js';
export { RegistryClient } from './registry-client.js';
export type { SearchRegistryRequest, CreateModelVersionRequest } from './registry-client.js';
export {
  PipelinesClient,
  FINISHED_PIPELINE_RUN_STATUSES,
  pipelineFromWire,
  versionFromWire,
  runFromWire,
  taskFromWire,
  scheduleFromWire,
  lineageFromWire,
} from './pipelines-client.js';
export type {
  Pipeline,
  PipelineVersion,
  PipelineRun,
  PipelineTask,
  PipelineRunStatus,
  PipelineTaskStatus,
  PipelineSchedule,
  ArtifactLineage,
  PageRequest,
  RunSource,
  CreatePipelineRunRequest,
  CreateScheduleRequest,
  UpdateScheduleRequest,
  WaitForRunOptions,
  RunPipelineOptions,
} from './pipelines-client.js';
export { ProjectsClient } from './projects-client.js';
export type { ServerProjectRun, SubmitProjectRequest } from './projects-client.js';
export { downloadArtifactUri } from './artifact-reader.js';
export { logModel, loadModel } from './models.js';
export type {
  LogModelOptions,
  LoggedModelResult,
  LoadModelFromUriOptions,
  LoadedRemoteModel,
} from './models.js';
