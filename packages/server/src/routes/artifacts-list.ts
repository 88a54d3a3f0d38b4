import { joinArtifactPath, resolveArtifactUri, safeRelativePath } from '@ferry/artifacts';
import type { FileInfo } from '@ferry/artifacts';
import type { AppDeps } from '../deps.js';
import type { ApiRoute } from './route.js';

/** The entries under `path` of an artifact root (a run's or a logged model's), relative to that root. */
export async function listArtifactsUnder(
  deps: AppDeps,
  rootUri: string,
  path: string | undefined,
): Promise<{ root_uri: string; files?: FileInfo[] }> {
  const rel = safeRelativePath(path);
  const { store, prefix } = resolveArtifactUri(rootUri, deps.artifactProxy);
  const cut = prefix === '' ? 0 : prefix.length + 1;
  const entries = await store.list(joinArtifactPath(prefix, rel));
  const files: FileInfo[] = entries.map((e) => ({ ...e, path: e.path.slice(cut) }));
  return files.length > 0 ? { root_uri: rootUri, files } : { root_uri: rootUri };
}

/** `artifacts/list`: a run's artifacts under `path`, with paths relative to the run's artifact root. */
export const artifactListRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/artifacts/list',
    async handle({ fields, deps }) {
      const run = await deps.store.getRun(fields.string('run_id', 'run_uuid'));
      return listArtifactsUnder(deps, run.info.artifact_uri, fields.optionalString('path'));
    },
  },
];
