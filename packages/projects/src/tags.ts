/** The run tags MLflow's projects set (mlflow/utils/mlflow_tags.py), and Ferry's own for reproducing. */
export const TAGS = {
  sourceType: 'mlflow.source.type',
  sourceName: 'mlflow.source.name',
  gitCommit: 'mlflow.source.git.commit',
  gitBranch: 'mlflow.source.git.branch',
  gitRepoUrl: 'mlflow.source.git.repoURL',
  legacyGitRepoUrl: 'mlflow.gitRepoURL',
  gitDirty: 'mlflow.source.git.dirty',
  entryPoint: 'mlflow.project.entryPoint',
  env: 'mlflow.project.env',
  backend: 'mlflow.project.backend',
  runName: 'mlflow.runName',
  user: 'mlflow.user',
  dockerImage: 'mlflow.docker.image.name',
  /** The version asked for (`--version`), beside the commit it resolved to. */
  version: 'ferry.project.version',
  /** The parameters given (JSON), so the run can be started again with the same ones. */
  parameters: 'ferry.project.parameters',
  reproducedFrom: 'ferry.project.reproducedFrom',
} as const;

export const PROJECT_SOURCE_TYPE = 'PROJECT';
