/**
 * Parameter values for one run of an entry point, and the command they make. As in MLflow: declared
 * parameters take the given value or their default, values are shell-quoted into the template, and
 * values for undeclared parameters are appended as `--key value`. `path` values must exist and become
 * absolute, so the command finds them from the project folder (a fresh clone, possibly); `uri` values
 * that are local paths become absolute too. A given value is relative to where the user is, a default
 * to the project root (the author wrote it for the project's own files).
 */

import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectError } from './errors.js';
import { shellQuote } from './quote.js';
import type { EntryPoint, ParameterSpec } from './spec.js';
import { typeProblem } from './spec.js';
import { renderTemplate } from './template.js';

export interface ResolvedParameters {
  /** Every declared parameter, given or defaulted, with paths made absolute: what the run logs. */
  values: Record<string, string>;
  /** Values for parameters the entry point does not declare, passed as `--key value`. */
  extras: Record<string, string>;
  /** Only what the caller gave (paths absolute): what reproducing the run passes again. */
  given: Record<string, string>;
}

export interface ResolveOptions {
  /** Where given relative paths start (default: the process's working directory). */
  cwd?: string;
  /** The project root, where default relative paths start. */
  projectDir: string;
}

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const EXTRA_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function localPath(param: ParameterSpec, value: string, base: string): string {
  if (value.startsWith('file:')) return fileURLToPath(value);
  if (SCHEME.test(value)) {
    throw projectError(
      `Parameter '${param.name}' is a path, but '${value}' is a URI: only local files can be passed as paths (declare the parameter as uri to pass it through).`,
    );
  }
  return isAbsolute(value) ? value : resolve(base, value);
}

function resolveValue(param: ParameterSpec, value: string, base: string): string {
  const problem = typeProblem(param.type, value);
  if (problem) throw projectError(`Parameter '${param.name}' ${problem}.`);
  if (param.type === 'path') {
    const path = localPath(param, value, base);
    if (!existsSync(path)) {
      throw projectError(`Parameter '${param.name}' is a path, but '${value}' (${path}) does not exist.`);
    }
    return path;
  }
  if (param.type === 'uri' && !SCHEME.test(value)) return isAbsolute(value) ? value : resolve(base, value);
  return value;
}

export function resolveParameters(
  entryPoint: EntryPoint,
  user: Record<string, string>,
  options: ResolveOptions,
): ResolvedParameters {
  const cwd = options.cwd ?? process.cwd();
  const missing = entryPoint.parameters.filter((p) => !(p.name in user) && p.default === undefined);
  if (missing.length > 0) {
    throw projectError(
      `Entry point '${entryPoint.name}' needs a value for ${missing.map((p) => `'${p.name}'`).join(', ')} (pass -P ${missing[0]!.name}=...).`,
    );
  }
  const resolved: ResolvedParameters = { values: {}, extras: {}, given: {} };
  for (const param of entryPoint.parameters) {
    const given = user[param.name];
    const value =
      given !== undefined
        ? resolveValue(param, given, cwd)
        : resolveValue(param, param.default!, options.projectDir);
    resolved.values[param.name] = value;
    if (given !== undefined) resolved.given[param.name] = value;
  }
  const declared = new Set(entryPoint.parameters.map((p) => p.name));
  for (const [key, value] of Object.entries(user)) {
    if (declared.has(key)) continue;
    if (!EXTRA_KEY.test(key)) {
      throw projectError(
        `Parameter name '${key}' cannot be passed as a --${key} option: use letters, digits, _ . -`,
      );
    }
    resolved.extras[key] = value;
    resolved.given[key] = value;
  }
  return resolved;
}

/** The shell command for the entry point with these values: quoted placeholders, then the extras. */
export function renderCommand(entryPoint: EntryPoint, resolved: ResolvedParameters): string {
  const quoted = Object.fromEntries(Object.entries(resolved.values).map(([k, v]) => [k, shellQuote(v)]));
  const extras = Object.entries(resolved.extras).map(([k, v]) => `--${k} ${shellQuote(v)}`);
  return [renderTemplate(entryPoint.template, quoted), ...extras].join(' ');
}

/** "key=value" as the CLI's -P takes it; the first '=' splits, so values may hold more. */
export function parseParameterAssignment(text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw projectError(`Parameters are given as key=value, got '${text}'.`);
  return [text.slice(0, at), text.slice(at + 1)];
}
