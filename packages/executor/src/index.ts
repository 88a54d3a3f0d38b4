export type * from './executor.js';
export { LocalExecutor, type LocalExecutorOptions } from './local-executor.js';
export {
  functionRunnerCommand,
  stepFunction,
  type FunctionRunnerContext,
  type FunctionRunnerInputs,
} from './function-runner.js';
export { Semaphore } from './semaphore.js';
export { PipelineController } from './controller/controller.js';
export type { ControllerOptions, SubmitInput } from './controller/controller.js';
export type { ControllerDeps } from './controller/run-context.js';
export { DEFAULT_PROJECT_COMMAND } from './controller/run-context.js';
export type { ArtifactResolver } from './controller/artifact-staging.js';
export { liveLogPath } from './controller/task-runner.js';
export { PIPELINE_RUN_TAG, PIPELINE_TASK_TAG } from './controller/tracking.js';
export {
  MIN_SCHEDULE_INTERVAL_MS,
  nextFireTime,
  validateScheduleTiming,
  type ScheduleTiming,
} from './scheduler/next-fire.js';
export { PipelineScheduler, type SchedulerDeps, type SchedulerOptions } from './scheduler/scheduler.js';
