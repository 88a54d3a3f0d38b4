import { invalidParam } from './errors.js';

/**
 * A `models:/` URI, as every MLflow client writes them:
 * `models:/<name>/<version>`, `models:/<name>/<stage>`, `models:/<name>/latest`, `models:/<name>@<alias>`
 * and (MLflow 3) `models:/<logged model id>`.
 */
export type ModelUri =
  | { kind: 'version'; name: string; version: number }
  | { kind: 'stage'; name: string; stage: string }
  | { kind: 'latest'; name: string }
  | { kind: 'alias'; name: string; alias: string }
  | { kind: 'logged-model'; modelId: string };

export const isModelsUri = (uri: string): boolean => /^models:/i.test(uri);

function improper(uri: string) {
  return invalidParam(
    `Not a proper models:/ URI: ${uri}. Models URIs must be of the form 'models:/name/suffix' or ` +
      `'models:/name@alias' where suffix is a version, stage, or the string 'latest' and where alias is a ` +
      `registered model alias. Only one of suffix or alias can be defined at a time.`,
  );
}

export function parseModelUri(uri: string): ModelUri {
  const match = /^models:(\/.*)$/i.exec(uri);
  const path = match?.[1];
  if (path === undefined || path.length <= 1 || path.startsWith('//')) throw improper(uri);
  const parts = path.slice(1).split('/');
  if (parts.length > 2 || parts[0]!.trim() === '') throw improper(uri);
  if (parts.length === 2) {
    const [name, suffix] = parts as [string, string];
    if (suffix.trim() === '') throw improper(uri);
    if (/^\d+$/.test(suffix)) return { kind: 'version', name, version: Number(suffix) };
    if (suffix.toLowerCase() === 'latest') return { kind: 'latest', name };
    return { kind: 'stage', name, stage: suffix };
  }
  const at = parts[0]!.lastIndexOf('@');
  if (at >= 0) {
    const alias = parts[0]!.slice(at + 1);
    if (alias.trim() === '') throw improper(uri);
    return { kind: 'alias', name: parts[0]!.slice(0, at), alias };
  }
  return { kind: 'logged-model', modelId: parts[0]! };
}
