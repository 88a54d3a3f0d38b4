import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError, invalidParam } from '@ferry/core';
import { parse, stringify } from 'yaml';
import { pyIsoFormat } from './py-repr.js';

/** The name of the model description file at the root of a model directory. */
export const MLMODEL_FILE_NAME = 'MLmodel';

/**
 * The `mlflow_version` Ferry records, and the `mlflow==` pin of servable models' requirements. Ferry
 * writes the format of MLflow 3.11 (the reference is 3.11.2.dev0); a dev version cannot be installed
 * from PyPI, so, like MLflow's own pinning rule for dev builds, we name the 3.11 release before it.
 */
export const MLFLOW_VERSION = '3.11.1';

/** A flavor's block under `flavors`: free-form, owned by the flavor. */
export type FlavorConfig = Record<string, unknown>;

/** `signature` as MLflow stores it: each part a JSON string (see schema-json.ts) or null. */
export interface SignatureConfig {
  inputs: string | null;
  outputs: string | null;
  params: string | null;
}

/** `saved_input_example_info` (see input-example.ts). */
export interface InputExampleInfo {
  artifact_path: string;
  type: string;
  pandas_orient?: string;
  serving_input_path?: string;
  params?: string;
  [key: string]: unknown;
}

/**
 * The contents of an `MLmodel` file, keyed as MLflow keys it (mlflow/models/model.py). Keys Ferry does
 * not know — and flavors it cannot load — are kept as read and written back unchanged.
 */
export interface ModelConfig {
  /** 2.x: the run-relative path (`model`); 3.x: the logged model's artifact URI. Omitted when unset. */
  artifact_path?: string;
  /** Omitted when unset. */
  run_id?: string;
  model_uuid?: string | null;
  /** MLflow 3.x logged model id (`m-…`); MLflow writes null for a model saved outside a logged model. */
  model_id?: string | null;
  /** UTC, `%Y-%m-%d %H:%M:%S.%f` (see `formatUtcTime`). */
  utc_time_created: string;
  mlflow_version?: string;
  flavors: Record<string, FlavorConfig>;
  signature?: SignatureConfig;
  is_signature_from_type_hint?: boolean;
  type_hint_from_example?: boolean;
  saved_input_example_info?: InputExampleInfo;
  metadata?: Record<string, unknown>;
  model_size_bytes?: number;
  prompts?: string[] | null;
  resources?: unknown;
  env_vars?: string[];
  auth_policy?: unknown;
  databricks_runtime?: string;
  [key: string]: unknown;
}

// PyYAML reads YAML 1.1 (`yes` is a boolean, `1.30` a float) and writes timestamps-looking strings
// quoted; reading timestamps as plain strings keeps a value that PyYAML wrote unquoted byte for byte.
const YAML_11 = { version: '1.1' } as const;
const withoutTimestamps = (tags: unknown[]): unknown[] =>
  tags.filter((tag) => (tag as { tag?: string }).tag !== 'tag:yaml.org,2002:timestamp');

/** Parses `MLmodel` text; INVALID_PARAMETER_VALUE when it is not a mapping with a `flavors` mapping. */
export function parseModelConfig(text: string): ModelConfig {
  let value: unknown;
  try {
    value = parse(text, { ...YAML_11, customTags: withoutTimestamps as never });
  } catch (err) {
    throw invalidParam(`Invalid MLmodel file: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParam('Invalid MLmodel file: expected a mapping');
  }
  const config = value as ModelConfig;
  if (config.flavors === null || config.flavors === undefined) config.flavors = {};
  if (typeof config.flavors !== 'object' || Array.isArray(config.flavors)) {
    throw invalidParam('Invalid MLmodel file: `flavors` must be a mapping');
  }
  return config;
}

/**
 * `MLmodel` text as MLflow writes it (`yaml.safe_dump`): keys sorted at every level, block style,
 * sequences not indented under their key. `artifact_path` and `run_id` are omitted when unset, as
 * MLflow does; undefined members are skipped, nulls are written.
 */
export function serializeModelConfig(config: ModelConfig): string {
  const { artifact_path, run_id, ...rest } = config;
  const written = {
    ...rest,
    ...(artifact_path == null ? {} : { artifact_path }),
    ...(run_id == null ? {} : { run_id }),
  };
  return stringify(written, {
    ...YAML_11,
    sortMapEntries: true,
    indentSeq: false,
    singleQuote: true,
    lineWidth: 80,
  });
}

/** Reads `<dir>/MLmodel`; RESOURCE_DOES_NOT_EXIST (MLflow's message) when the file is missing. */
export async function readModelConfig(dir: string): Promise<ModelConfig> {
  const path = join(dir, MLMODEL_FILE_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (
      (err as NodeJS.ErrnoException).code === 'ENOENT' ||
      (err as NodeJS.ErrnoException).code === 'ENOTDIR'
    ) {
      throw new FerryError(
        'RESOURCE_DOES_NOT_EXIST',
        `Could not find an "${MLMODEL_FILE_NAME}" configuration file at "${dir}"`,
      );
    }
    throw err;
  }
  return parseModelConfig(text);
}

/** Writes `<dir>/MLmodel`. */
export async function writeModelConfig(dir: string, config: ModelConfig): Promise<void> {
  await writeFile(join(dir, MLMODEL_FILE_NAME), serializeModelConfig(config));
}

/**
 * A time as MLflow writes `utc_time_created` (`str()` of a naive UTC datetime): microseconds, which
 * Python leaves out when they are zero.
 */
export function formatUtcTime(date: Date): string {
  return pyIsoFormat(date).replace('T', ' ');
}
