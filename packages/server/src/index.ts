export { createApp, FERRY_VERSION } from './app.js';
export type { AppOptions } from './app.js';
export type { AppDeps } from './deps.js';
export { defaultUiRoot, prepareDatabase, startServer } from './start.js';
export type { ServerConfig, RunningServer } from './start.js';
export * from './webhooks/index.js';
export { createPipelineRunner, pipelineConcurrencyFromEnv } from './pipelines/controller.js';
export type { PipelineRunner, PipelineRunnerConfig } from './pipelines/controller.js';
