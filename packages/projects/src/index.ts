export { shellQuote } from './quote.js';
export { parseProjectFile, typeProblem, PARAMETER_TYPES, ENVIRONMENT_KEYS } from './spec.js';
export type {
  DockerEnvironmentVariable,
  EntryPoint,
  ParameterSpec,
  ParameterType,
  ProjectEnvironment,
  ProjectSpec,
} from './spec.js';
export { loadProject, findProjectFile } from './project.js';
export type { Project } from './project.js';
export { entryPointFor, DEFAULT_ENTRY_POINT } from './entry-points.js';
export { resolveParameters, renderCommand, parseParameterAssignment } from './parameters.js';
export type { ResolvedParameters, ResolveOptions } from './parameters.js';
export { fetchProject, splitProjectUri, isGitUri } from './source.js';
export type { FetchOptions, GitState, ProjectSource } from './source.js';
export { runProject } from './run-project.js';
export type { RunProjectOptions, SubmittedRun } from './run-project.js';
export {
  ENV_MANAGERS,
  CONTAINER_PROJECT_DIR,
  checkEnvManager,
  defaultEnvManager,
  dockerProblem,
  dockerRunArgv,
  envCacheRoot,
  prepareEnvironment,
} from './environments/index.js';
export type {
  DockerRunInput,
  EnvManager,
  EnvironmentContext,
  PreparedEnvironment,
} from './environments/index.js';
export { TAGS, PROJECT_SOURCE_TYPE } from './tags.js';
export { LOG_ARTIFACT } from './finish.js';
export { reproduceRun } from './reproduce.js';
export type { ReproduceOptions } from './reproduce.js';
