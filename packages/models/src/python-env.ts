import { stringify } from 'yaml';
import { MLFLOW_VERSION } from './model-config.js';

/**
 * The Python environment files MLflow writes beside a servable model (mlflow/utils/environment.py),
 * so that `mlflow models serve` or `mlflow.pyfunc.load_model` can rebuild the environment of a
 * Ferry-written model. Ferry runs no Python: the interpreter and build tools are left unpinned where
 * MLflow would pin the ones it ran with (MLflow writes them unpinned too when it cannot find them).
 */

/** The Python version recorded in `python_function.python_version` and `python_env.yaml`. */
export const PYTHON_VERSION = '3.11.2';

export const CONDA_ENV_FILE = 'conda.yaml';
export const PYTHON_ENV_FILE = 'python_env.yaml';
export const REQUIREMENTS_FILE = 'requirements.txt';

/**
 * `requirements.txt`, `conda.yaml` and `python_env.yaml` for the given pip requirements (`name==version`
 * lines); `mlflow==<MLFLOW_VERSION>` is added first unless present, as MLflow does.
 */
export function pythonEnvironmentFiles(requirements: readonly string[]): Record<string, string> {
  const pip = requirements.some((r) => /^mlflow\b/.test(r))
    ? [...requirements]
    : [`mlflow==${MLFLOW_VERSION}`, ...requirements];
  const conda = {
    channels: ['conda-forge'],
    dependencies: [`python=${PYTHON_VERSION}`, 'pip', { pip }],
    name: 'mlflow-env',
  };
  const pythonEnv = {
    python: PYTHON_VERSION,
    build_dependencies: ['pip', 'setuptools', 'wheel'],
    dependencies: [`-r ${REQUIREMENTS_FILE}`],
  };
  const yaml = (value: unknown): string => stringify(value, { indentSeq: false, singleQuote: true });
  return {
    [CONDA_ENV_FILE]: yaml(conda),
    [PYTHON_ENV_FILE]: yaml(pythonEnv),
    // MLflow joins the lines without a final newline.
    [REQUIREMENTS_FILE]: pip.join('\n'),
  };
}
