import { isAbsolute, relative, resolve } from 'node:path';
import { invalidParam } from '@ferry/core';

/**
 * The path of a file a model config names, relative to the model directory. A config is data from
 * wherever the model came from: a path that is absolute or leaves the directory is refused
 * (INVALID_PARAMETER_VALUE) rather than read.
 */
export function modelFilePath(dir: string, file: string): string {
  const root = resolve(dir);
  const path = resolve(root, file);
  const rel = relative(root, path);
  if (isAbsolute(file) || rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw invalidParam(`Invalid model file path '${file}': it must stay inside the model directory`);
  }
  return path;
}
