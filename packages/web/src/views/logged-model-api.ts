import { get, post } from '../api';
import { modelFileUrl } from '../api-registry';
import { summarizeMlModel } from '../artifact-formats';
import type { MlModelSummary } from '../artifact-formats';
import { tagValue } from '../format';
import type { FileInfo, KeyValue } from '../types';
import type { ArtifactSource } from './artifacts-browser';

/** MLflow 3's logged models as the REST API sends them (`logged-models/search`, `logged-models/<id>`). */

export interface LoggedModelMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
  dataset_name?: string;
  dataset_digest?: string;
  run_id?: string;
}

export interface LoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    creation_timestamp_ms?: number;
    last_updated_timestamp_ms?: number;
    artifact_uri: string;
    status?: string;
    status_message?: string;
    model_type?: string;
    source_run_id?: string;
    tags?: KeyValue[];
    registrations?: { name: string; version: string }[];
  };
  data?: { params?: KeyValue[]; metrics?: LoggedModelMetric[] };
}

/** Tag MLflow 3 keeps on a logged model listing the registry versions made from it (JSON text). */
const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';

export interface LoggedModelPage {
  models: LoggedModel[];
  nextPageToken?: string;
}

/** One page of an experiment's logged models, newest first unless the filter's server says otherwise. */
export async function searchLoggedModels(
  experimentId: string,
  filter: string,
  pageToken?: string,
): Promise<LoggedModelPage> {
  const page = await post<{ models?: LoggedModel[]; next_page_token?: string }>('logged-models/search', {
    experiment_ids: [experimentId],
    max_results: 100,
    ...(filter ? { filter } : {}),
    ...(pageToken ? { page_token: pageToken } : {}),
  });
  return {
    models: page.models ?? [],
    ...(page.next_page_token ? { nextPageToken: page.next_page_token } : {}),
  };
}

export async function getLoggedModel(modelId: string): Promise<LoggedModel> {
  return (await get<{ model: LoggedModel }>(`logged-models/${encodeURIComponent(modelId)}`)).model;
}

/**
 * The registry versions made from the model: the `mlflow.modelVersions` tag MLflow 3 keeps on it (the
 * server's `registrations` field when it sends one). Unreadable tag text counts as none.
 */
export function registrationsOf(model: LoggedModel): { name: string; version: string }[] {
  if (model.info.registrations?.length) return model.info.registrations;
  const text = tagValue(model.info.tags, MODEL_VERSIONS_TAG);
  if (!text) return [];
  try {
    const list = JSON.parse(text) as unknown;
    if (!Array.isArray(list)) return [];
    return list
      .filter((r): r is { name: string; version: string | number } => typeof r?.name === 'string')
      .map((r) => ({ name: r.name, version: String(r.version) }));
  } catch {
    return [];
  }
}

/**
 * The latest value of each metric per dataset (highest step, then newest timestamp): a model is
 * evaluated on several datasets, and a value on one does not replace a value on another.
 */
export function latestMetrics(metrics: LoggedModelMetric[] | undefined): LoggedModelMetric[] {
  const latest = new Map<string, LoggedModelMetric>();
  for (const m of metrics ?? []) {
    const id = JSON.stringify([m.key, m.dataset_name ?? '', m.dataset_digest ?? '']);
    const seen = latest.get(id);
    if (!seen || m.step > seen.step || (m.step === seen.step && m.timestamp > seen.timestamp)) {
      latest.set(id, m);
    }
  }
  return [...latest.values()].sort(
    (a, b) => a.key.localeCompare(b.key) || (a.dataset_name ?? '').localeCompare(b.dataset_name ?? ''),
  );
}

/**
 * A logged model's files for the artifacts browser: listed by `logged-models/<id>/artifacts/directories`,
 * read through the artifact proxy from the model's artifact location (when it is an `mlflow-artifacts:`
 * or `runs:/` location; others the browser cannot reach).
 */
export function loggedModelArtifacts(model: LoggedModel): ArtifactSource {
  const id = model.info.model_id;
  return {
    key: `logged-model:${id}`,
    list: (path) =>
      get<{ files?: FileInfo[] }>(
        `logged-models/${encodeURIComponent(id)}/artifacts/directories`,
        path ? { artifact_directory_path: path } : {},
      ),
    fileUrl: (path) => modelFileUrl(model.info.artifact_uri, path),
  };
}

/** The model's MLmodel file, summarized; undefined when there is none or it cannot be read. */
export async function loggedModelMlModel(
  model: LoggedModel,
): Promise<{ text: string; summary?: MlModelSummary } | undefined> {
  const url = modelFileUrl(model.info.artifact_uri, 'MLmodel');
  if (!url) return undefined;
  const response = await fetch(url).catch(() => undefined);
  if (!response?.ok) return undefined;
  const text = await response.text();
  try {
    return { text, summary: summarizeMlModel(text) };
  } catch {
    return { text };
  }
}

/** `LOGGED_MODEL_READY` → `Ready`. */
export function statusLabel(status: string | undefined): string {
  const word = (status ?? '')
    .replace(/^LOGGED_MODEL_(STATUS_)?/, '')
    .replace(/_/g, ' ')
    .toLowerCase();
  return word ? word[0]!.toUpperCase() + word.slice(1) : '';
}
