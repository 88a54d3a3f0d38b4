import type { Project } from '../project.js';

export const ENV_MANAGERS = ['local', 'virtualenv', 'conda', 'docker', 'node'] as const;
export type EnvManager = (typeof ENV_MANAGERS)[number];

export interface EnvironmentContext {
  project: Project;
  /** Where prepared environments are kept, by the hash of their spec. */
  cacheRoot: string;
  /** The environment the run was started with. */
  env: Record<string, string | undefined>;
  /** Output of installers (npm, pip, conda), for the user and the run's log. */
  output: (text: string) => void;
}

/** An environment ready to run the project's command in. */
export interface PreparedEnvironment {
  manager: EnvManager;
  /**
   * The argv that runs a shell command line in this environment; `runEnv` holds the run's variables
   * (MLFLOW_RUN_ID, ...), already in the environment of the argv's process.
   */
  argv(command: string, runEnv: Record<string, string>): string[];
  /** Variables set for the command (PATH with the environment's tools first, ...). */
  env: Record<string, string>;
  /** The cached environment's folder, if the manager keeps one. */
  path?: string;
  /** True when a cached environment was reused rather than installed. */
  reused: boolean;
}

export const shellArgv = (command: string): string[] => ['/bin/sh', '-c', command];
