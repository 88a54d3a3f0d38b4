/**
 * Which environment a run gets: the one asked for, else the one the project declares (python_env →
 * virtualenv, conda_env → conda, docker_env → docker, node_env → node, none → local).
 */

import { projectError } from '../errors.js';
import type { Project } from '../project.js';
import { prepareConda } from './conda.js';
import { prepareDocker } from './docker.js';
import { prepareNode } from './node.js';
import { ENV_MANAGERS, shellArgv } from './types.js';
import type { EnvManager, EnvironmentContext, PreparedEnvironment } from './types.js';
import { prepareVirtualenv } from './virtualenv.js';

export function defaultEnvManager(project: Project): EnvManager {
  switch (project.environment.type) {
    case 'python_env':
      return 'virtualenv';
    case 'conda_env':
      return 'conda';
    case 'docker_env':
      return 'docker';
    case 'node_env':
      return 'node';
    case 'none':
      return 'local';
  }
}

export function checkEnvManager(value: string): EnvManager {
  if (!(ENV_MANAGERS as readonly string[]).includes(value)) {
    throw projectError(
      `Unknown environment manager '${value}' (expected one of: ${ENV_MANAGERS.join(', ')}).`,
    );
  }
  return value as EnvManager;
}

export async function prepareEnvironment(
  manager: EnvManager,
  ctx: EnvironmentContext,
): Promise<PreparedEnvironment> {
  switch (manager) {
    case 'local':
      return { manager, argv: shellArgv, env: {}, reused: false };
    case 'virtualenv':
      return prepareVirtualenv(ctx);
    case 'conda':
      return prepareConda(ctx);
    case 'docker':
      return prepareDocker(ctx);
    case 'node':
      return prepareNode(ctx);
  }
}

export { ENV_MANAGERS, type EnvManager, type EnvironmentContext, type PreparedEnvironment };
export { dockerRunArgv, dockerProblem, CONTAINER_PROJECT_DIR, type DockerRunInput } from './docker.js';
export { envCacheRoot } from './install.js';
