/**
 * `docker_env`: the command runs in the project's image with the project folder mounted as the working
 * directory (where MLflow copies it, /mlflow/projects/code), the run's variables passed through, and
 * the host's network so a tracking server on localhost stays reachable. A SQLite tracking URI's folder
 * is mounted at the same path, so the container opens the same database. Needs a Docker engine.
 */

import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { setupError } from '../errors.js';
import type { DockerEnvironmentVariable } from '../spec.js';
import type { EnvironmentContext, PreparedEnvironment } from './types.js';

export const CONTAINER_PROJECT_DIR = '/mlflow/projects/code';

export interface DockerRunInput {
  image: string;
  projectDir: string;
  command: string;
  volumes?: string[];
  environment?: DockerEnvironmentVariable[];
  /** Variables to pass from the docker client's environment (the run's ids and tracking URI). */
  passEnv?: string[];
  trackingUri?: string;
}

/** The `docker run` argv for a project command (no I/O, so it can be checked as it is). */
export function dockerRunArgv(input: DockerRunInput): string[] {
  const argv = ['docker', 'run', '--rm', '--network', 'host'];
  argv.push('-v', `${input.projectDir}:${CONTAINER_PROJECT_DIR}`, '-w', CONTAINER_PROJECT_DIR);
  const sqliteFile = /^sqlite:\/\/\/(\/.+)$/.exec(input.trackingUri ?? '')?.[1];
  if (sqliteFile) argv.push('-v', `${dirname(sqliteFile)}:${dirname(sqliteFile)}`);
  for (const volume of input.volumes ?? []) argv.push('-v', volume);
  // A bare name copies the variable from the client's environment, so values stay out of the argv.
  for (const name of input.passEnv ?? []) argv.push('-e', name);
  for (const variable of input.environment ?? []) {
    argv.push('-e', typeof variable === 'string' ? variable : `${variable[0]}=${variable[1]}`);
  }
  argv.push(input.image, '/bin/sh', '-c', input.command);
  return argv;
}

/** Whether a Docker engine answers; the reason when not. */
export function dockerProblem(env: Record<string, string | undefined>): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      'docker',
      ['info', '--format', '{{.ServerVersion}}'],
      { env, timeout: 20_000 },
      (error, _out, stderr) => {
        if (!error) return resolve(undefined);
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          return resolve('docker is not installed (no docker command on PATH)');
        }
        const said = String(stderr).trim().split('\n').filter(Boolean).pop() ?? error.message;
        resolve(`the Docker engine is not reachable (docker info failed: ${said})`);
      },
    );
  });
}

export async function prepareDocker(ctx: EnvironmentContext): Promise<PreparedEnvironment> {
  const env = ctx.project.environment;
  if (env.type !== 'docker_env') {
    throw setupError('The docker environment manager needs a docker_env with an image in MLproject.');
  }
  const problem = await dockerProblem(ctx.env);
  if (problem) {
    throw setupError(
      `Cannot run in the project's image ${env.image}: ${problem}. Start Docker (or set DOCKER_HOST), or run with --env-manager local.`,
    );
  }
  return {
    manager: 'docker',
    argv: (command, runEnv) =>
      dockerRunArgv({
        image: env.image,
        projectDir: ctx.project.dir,
        command,
        volumes: env.volumes,
        environment: env.environment,
        passEnv: Object.keys(runEnv),
        ...(runEnv.MLFLOW_TRACKING_URI ? { trackingUri: runEnv.MLFLOW_TRACKING_URI } : {}),
      }),
    env: {},
    reused: false,
  };
}
