/**
 * The MLproject file: MLflow's format (name, entry points with typed parameters and command templates,
 * python_env / conda_env / docker_env) plus Ferry's `node_env` for JavaScript and TypeScript projects.
 * Validation walks the YAML syntax tree rather than the plain object so every error names its line.
 */

import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node, Pair, YAMLMap } from 'yaml';
import { projectError } from './errors.js';
import { parseTemplate, placeholders } from './template.js';
import type { TemplatePart } from './template.js';

export const PARAMETER_TYPES = ['string', 'float', 'int', 'path', 'uri'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface ParameterSpec {
  name: string;
  type: ParameterType;
  /** Absent: the parameter is required. */
  default?: string;
}

export interface EntryPoint {
  name: string;
  parameters: ParameterSpec[];
  command: string;
  template: TemplatePart[];
}

export type DockerEnvironmentVariable = string | [string, string];

/** What the project declares to run in; at most one per project. */
export type ProjectEnvironment =
  | { type: 'none' }
  /** A python_env.yaml file, relative to the project root. */
  | { type: 'python_env'; file: string }
  /** A conda.yaml file, relative to the project root. */
  | { type: 'conda_env'; file: string }
  | { type: 'docker_env'; image: string; volumes: string[]; environment: DockerEnvironmentVariable[] }
  /** The folder holding package.json and package-lock.json, relative to the project root. */
  | { type: 'node_env'; dir: string };

export interface ProjectSpec {
  name?: string;
  entryPoints: Record<string, EntryPoint>;
  environment: ProjectEnvironment;
}

const TOP_KEYS = ['name', 'entry_points', 'python_env', 'conda_env', 'docker_env', 'node_env'];
export const ENVIRONMENT_KEYS = ['python_env', 'conda_env', 'docker_env', 'node_env'] as const;
const ENTRY_POINT_KEYS = ['parameters', 'command'];
const PARAMETER_KEYS = ['type', 'default'];
const DOCKER_KEYS = ['image', 'volumes', 'environment'];

/** Parses and validates the text of an MLproject file; `file` names it in errors. */
export function parseProjectFile(text: string, file = 'MLproject'): ProjectSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = lines.linePos(syntax.pos[0]).line;
    const what = syntax.message.split('\n')[0];
    throw projectError(`${file} line ${line}: invalid YAML: ${what}`);
  }
  const at = (node: Node | null | undefined): string => {
    const offset = node?.range?.[0];
    return offset === undefined ? file : `${file} line ${lines.linePos(offset).line}`;
  };

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    return { entryPoints: {}, environment: { type: 'none' } };
  }
  if (!isMap(root)) throw projectError(`${at(root)}: the project file must be a mapping of keys to values.`);
  const top = entriesOf(root, TOP_KEYS, 'top-level key', at);

  const envKeys = ENVIRONMENT_KEYS.filter((k) => top.has(k));
  if (envKeys.length > 1) {
    throw projectError(
      `${at(top.get(envKeys[1]!)?.key as Node)}: a project declares at most one environment, found ${envKeys.join(', ')}.`,
    );
  }

  const spec: ProjectSpec = { entryPoints: {}, environment: { type: 'none' } };
  const name = top.get('name');
  if (name) spec.name = scalarString(name.value, 'name', at);

  const entryPoints = top.get('entry_points')?.value as Node | null | undefined;
  if (entryPoints && !isNull(entryPoints)) {
    if (!isMap(entryPoints)) throw projectError(`${at(entryPoints)}: entry_points must be a mapping.`);
    for (const pair of entryPoints.items) {
      const epName = keyName(pair, at);
      spec.entryPoints[epName] = parseEntryPoint(epName, pair.value as Node | null, at(pair.key as Node), at);
    }
  }

  const envKey = envKeys[0];
  if (envKey) spec.environment = parseEnvironment(envKey, top.get(envKey)!.value as Node | null, at);
  return spec;
}

type At = (node: Node | null | undefined) => string;

function isNull(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

function keyName(pair: Pair, at: At): string {
  if (!isScalar(pair.key) || (typeof pair.key.value !== 'string' && typeof pair.key.value !== 'number')) {
    throw projectError(`${at(pair.key as Node)}: keys must be plain names.`);
  }
  return String(pair.key.value);
}

/** The pairs of a mapping by key, refusing keys not in `known` (listing the ones that are). */
function entriesOf(map: YAMLMap, known: string[], what: string, at: At): Map<string, Pair> {
  const out = new Map<string, Pair>();
  for (const pair of map.items) {
    const key = keyName(pair, at);
    if (!known.includes(key)) {
      throw projectError(
        `${at(pair.key as Node)}: unknown ${what} '${key}' (expected one of: ${known.join(', ')}).`,
      );
    }
    out.set(key, pair);
  }
  return out;
}

function scalarString(node: unknown, what: string, at: At): string {
  if (!isScalar(node) || typeof node.value === 'object') {
    throw projectError(`${at(node as Node)}: ${what} must be a single value.`);
  }
  return String(node.value);
}

/** A YAML value as MLflow turns it into text with Python's str(): booleans read True / False. */
function pythonString(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

function parseEntryPoint(name: string, node: Node | null, where: string, at: At): EntryPoint {
  if (!isMap(node)) throw projectError(`${where}: entry point '${name}' must be a mapping with a command.`);
  const keys = entriesOf(node, ENTRY_POINT_KEYS, `key of entry point '${name}'`, at);
  const commandPair = keys.get('command');
  if (!commandPair || isNull(commandPair.value)) {
    throw projectError(`${where}: entry point '${name}' has no command.`);
  }
  const command = scalarString(commandPair.value, `the command of entry point '${name}'`, at);
  const parameters: ParameterSpec[] = [];
  const params = keys.get('parameters')?.value as Node | null | undefined;
  if (params && !isNull(params)) {
    if (!isMap(params)) throw projectError(`${at(params)}: the parameters of '${name}' must be a mapping.`);
    for (const pair of params.items) parameters.push(parseParameter(keyName(pair, at), pair, name, at));
  }
  const template = parseTemplate(command, `${at(commandPair.value as Node)}: entry point '${name}'`);
  const declared = new Set(parameters.map((p) => p.name));
  for (const used of placeholders(template)) {
    if (!declared.has(used)) {
      throw projectError(
        `${at(commandPair.value as Node)}: the command of entry point '${name}' uses {${used}}, which is not a declared parameter (declared: ${[...declared].join(', ') || 'none'}).`,
      );
    }
  }
  return { name, parameters, command, template };
}

function parseParameter(name: string, pair: Pair, entryPoint: string, at: At): ParameterSpec {
  const node = pair.value as Node | null;
  const where = at(pair.key as Node);
  let type: string = 'string';
  let defaultNode: Node | null | undefined;
  if (isScalar(node) && typeof node.value === 'string') {
    type = node.value; // the shorthand `alpha: float`
  } else if (isMap(node)) {
    const keys = entriesOf(node, PARAMETER_KEYS, `key of parameter '${name}'`, at);
    const typeNode = keys.get('type')?.value;
    if (typeNode && !isNull(typeNode)) type = scalarString(typeNode, `the type of '${name}'`, at);
    defaultNode = keys.get('default')?.value as Node | null | undefined;
  } else if (!isNull(node)) {
    throw projectError(
      `${where}: parameter '${name}' of '${entryPoint}' must be a type name or {type, default}.`,
    );
  }
  if (!(PARAMETER_TYPES as readonly string[]).includes(type)) {
    throw projectError(
      `${where}: parameter '${name}' of '${entryPoint}' has unknown type '${type}' (expected one of: ${PARAMETER_TYPES.join(', ')}).`,
    );
  }
  const spec: ParameterSpec = { name, type: type as ParameterType };
  if (defaultNode && !isNull(defaultNode)) {
    if (!isScalar(defaultNode))
      throw projectError(`${at(defaultNode)}: the default of '${name}' must be a single value.`);
    spec.default = pythonString(defaultNode.value);
    const problem = typeProblem(spec.type, spec.default);
    if (problem) throw projectError(`${at(defaultNode)}: the default of parameter '${name}' ${problem}.`);
  }
  return spec;
}

/** Why `value` is not of `type` (undefined when it is): only numbers have a form to check. */
export function typeProblem(type: ParameterType, value: string): string | undefined {
  if (type === 'int' && !/^[+-]?\d+$/.test(value.trim())) return `must be an integer, got '${value}'`;
  if (type === 'float' && (value.trim() === '' || !Number.isFinite(Number(value)))) {
    // Python's float() also takes these spellings; Number() does not.
    if (!/^[+-]?(inf|infinity|nan)$/i.test(value.trim())) return `must be a number, got '${value}'`;
  }
  return undefined;
}

function parseEnvironment(
  key: (typeof ENVIRONMENT_KEYS)[number],
  node: Node | null,
  at: At,
): ProjectEnvironment {
  switch (key) {
    case 'python_env':
    case 'conda_env': {
      if (isNull(node)) throw projectError(`${at(node)}: ${key} must name a file.`);
      const file = scalarString(node, key, at);
      return key === 'python_env' ? { type: 'python_env', file } : { type: 'conda_env', file };
    }
    case 'node_env':
      return { type: 'node_env', dir: isNull(node) ? '.' : scalarString(node, key, at) };
    case 'docker_env':
      return parseDocker(node, at);
  }
}

function parseDocker(node: Node | null, at: At): ProjectEnvironment {
  if (!isMap(node)) throw projectError(`${at(node)}: docker_env must be a mapping with an image.`);
  const keys = entriesOf(node, DOCKER_KEYS, 'key of docker_env', at);
  const image = keys.get('image')?.value;
  if (!image || isNull(image)) throw projectError(`${at(node)}: docker_env has no image.`);
  const volumes: string[] = [];
  const volumesNode = keys.get('volumes')?.value as Node | null | undefined;
  if (volumesNode && !isNull(volumesNode)) {
    if (!isSeq(volumesNode) || !volumesNode.items.every((v) => isScalar(v) && typeof v.value === 'string')) {
      throw projectError(
        `${at(volumesNode)}: docker_env volumes must be a list of strings such as "/data:/data".`,
      );
    }
    for (const v of volumesNode.items) volumes.push(String((v as { value: string }).value));
  }
  const environment: DockerEnvironmentVariable[] = [];
  const envNode = keys.get('environment')?.value as Node | null | undefined;
  if (envNode && !isNull(envNode)) {
    const bad = () =>
      projectError(
        `${at(envNode)}: docker_env environment must list names to copy from the host ("VAR") or [name, value] pairs.`,
      );
    if (!isSeq(envNode)) throw bad();
    for (const item of envNode.items) {
      if (isScalar(item) && typeof item.value === 'string') environment.push(item.value);
      else if (isSeq(item) && item.items.length === 2 && item.items.every((v) => isScalar(v))) {
        const [k, v] = item.items as { value: unknown }[];
        environment.push([String(k!.value), pythonString(v!.value)]);
      } else throw bad();
    }
  }
  return { type: 'docker_env', image: scalarString(image, 'docker_env image', at), volumes, environment };
}
