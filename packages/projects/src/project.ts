/**
 * A project folder: its MLproject file (found case-insensitively, as MLflow does) and the environment
 * it declares, checked against the files that are actually there. A folder without MLproject is still a
 * project: its scripts are entry points (see entry-points.ts).
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { projectError } from './errors.js';
import { parseProjectFile } from './spec.js';
import type { ProjectSpec } from './spec.js';

export interface Project extends ProjectSpec {
  /** The project root (absolute). */
  dir: string;
  /** The MLproject file's name as found, if there is one. */
  file?: string;
}

/** MLflow's default environment files, used when MLproject names none. */
const DEFAULT_PYTHON_ENV = 'python_env.yaml';
const DEFAULT_CONDA_ENV = 'conda.yaml';

export function findProjectFile(dir: string): string | undefined {
  return readdirSync(dir).find((name) => name.toLowerCase() === 'mlproject');
}

/** A path inside the project named by the project file; `..` escapes are refused. */
export function insideProject(dir: string, path: string, what: string): string {
  const full = resolve(dir, path);
  const rel = relative(dir, full);
  if (rel.startsWith('..') || resolve(dir, rel) !== full) {
    throw projectError(`${what} '${path}' points outside the project folder.`);
  }
  return full;
}

export function loadProject(dir: string): Project {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw projectError(`Project folder '${dir}' does not exist.`);
  }
  const file = findProjectFile(root);
  const spec = file
    ? parseProjectFile(readFileSync(join(root, file), 'utf8'), file)
    : { entryPoints: {}, environment: { type: 'none' as const } };
  const project: Project = { ...spec, dir: root, ...(file ? { file } : {}) };
  const env = project.environment;
  switch (env.type) {
    case 'python_env':
    case 'conda_env':
      if (!existsSync(join(root, env.file))) {
        throw projectError(`${file}: ${env.type} names '${env.file}', but there is no such file in ${root}.`);
      }
      break;
    case 'node_env': {
      const nodeDir = insideProject(root, env.dir, `${file}: node_env`);
      if (!existsSync(join(nodeDir, 'package.json'))) {
        throw projectError(`${file}: node_env '${env.dir}' has no package.json.`);
      }
      break;
    }
    case 'none':
      if (existsSync(join(root, DEFAULT_PYTHON_ENV)))
        project.environment = { type: 'python_env', file: DEFAULT_PYTHON_ENV };
      else if (existsSync(join(root, DEFAULT_CONDA_ENV)))
        project.environment = { type: 'conda_env', file: DEFAULT_CONDA_ENV };
      break;
    case 'docker_env':
      break;
  }
  return project;
}
