import { invalidParam, isModelsUri, parseModelUri } from '@ferry/core';
import { fileURLToPath } from 'node:url';
import { resolve, sep } from 'node:path';
import type { AppDeps } from '../deps.js';

/**
 * Checks a model version's source the way MLflow's server does: a local path is accepted only inside
 * the local artifact folder of the run (or logged model) it came from, and remote URIs may not climb
 * out of their location with `..`, encoded `..` or NUL — the server may later read them on a
 * client's behalf.
 */

const isLocalUri = (uri: string): boolean => !/^[a-z][a-z0-9+.-]*:/i.test(uri) || /^file:/i.test(uri);

function localPath(uri: string): string {
  return resolve(/^file:/i.test(uri) ? fileURLToPath(new URL(uri)) : uri);
}

function within(dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

function rejectRelativeReferences(source: string): void {
  let decoded = source;
  for (;;) {
    let next: string;
    try {
      next = decodeURIComponent(decoded.replaceAll('+', ' '));
    } catch {
      break;
    }
    if (next === decoded) break;
    decoded = next;
  }
  const path = (() => {
    try {
      return new URL(decoded).pathname;
    } catch {
      return decoded;
    }
  })();
  const collapsed = path.replace(/\/+/g, '/').replace(/\/+$/, '');
  const normalized = collapsed === '' ? '' : resolve('/', collapsed).replace(/\/+$/, '');
  const climbs = decoded.split('/').some((p) => p === '..');
  if (decoded.includes('\0') || climbs || (collapsed.startsWith('/') && normalized !== collapsed)) {
    throw invalidParam(
      `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, ` +
        'objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path ' +
        'references present. Please provide an absolute path.',
    );
  }
}

export async function validateModelVersionSource(
  deps: AppDeps,
  source: string,
  owner: { runId?: string; modelId?: string },
): Promise<void> {
  if (!isLocalUri(source)) {
    rejectRelativeReferences(source);
    return;
  }
  const via = owner.modelId ? 'model_id' : 'run_id';
  const root = owner.modelId
    ? (await deps.loggedModels.getLoggedModel(owner.modelId)).info.artifact_uri
    : owner.runId
      ? (await deps.store.getRun(owner.runId)).info.artifact_uri
      : undefined;
  if (root !== undefined && isLocalUri(root) && within(localPath(root), localPath(source))) return;
  throw invalidParam(
    `Invalid model version source: '${isLocalUri(source) ? localPath(source) : source}'. To use a local path as a ` +
      `model version source, the ${via} request parameter has to be specified and the local path has to be ` +
      `contained within the artifact directory of the run specified by the ${via}.`,
  );
}

/** Where a version's files are, and the run/logged model it comes from, when its source is a `models:/` URI. */
export async function resolveModelsSource(
  deps: AppDeps,
  source: string,
): Promise<{ storageLocation: string; runId?: string; modelId?: string }> {
  if (!isModelsUri(source)) return { storageLocation: source };
  const parsed = parseModelUri(source);
  switch (parsed.kind) {
    case 'logged-model': {
      const model = await deps.loggedModels.getLoggedModel(parsed.modelId);
      return {
        storageLocation: model.info.artifact_uri,
        modelId: parsed.modelId,
        ...(model.info.source_run_id ? { runId: model.info.source_run_id } : {}),
      };
    }
    case 'version':
      return { storageLocation: await deps.registry.getModelVersionDownloadUri(parsed.name, parsed.version) };
    default:
      throw invalidParam(
        `Unable to fetch model from model URI source artifact location '${source}'. A version source must name ` +
          'a version or a logged model.',
      );
  }
}
