import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryError, invalidParam } from '@ferry/core';
import type { ArtifactStore } from './artifact-store.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { safeRelativePath } from './path-safety.js';

/** Route under which the server proxies artifacts; an http(s) artifact URI containing it is proxied. */
const PROXY_ROUTE = '/api/2.0/mlflow-artifacts/artifacts';
/** Local roots are per run (`.../<run_id>/artifacts`), so the cache is bounded. */
const MAX_CACHED_ROOTS = 256;
const localStores = new Map<string, LocalArtifactStore>();

/**
 * Maps a run's (or experiment's) `artifact_uri` to the store holding it and the key prefix inside it.
 *
 * - `mlflow-artifacts:/a/b`, `mlflow-artifacts://host/a/b`, `http(s)://host[/static-prefix]/api/2.0/
 *   mlflow-artifacts/artifacts/a/b` → `proxyStore` with prefix `a/b` (percent-decoded, then checked with
 *   `safeRelativePath`); INVALID_PARAMETER_VALUE when artifact proxying is off (`proxyStore` undefined).
 * - `file:///abs/dir` or an absolute local path → a `LocalArtifactStore` rooted there (one instance per
 *   root), prefix ''.
 * - anything else (s3://, gs://, other http URLs, relative paths) → NOT_IMPLEMENTED naming the scheme.
 */
export function resolveArtifactUri(
  uri: string,
  proxyStore: ArtifactStore | undefined,
): { store: ArtifactStore; prefix: string } {
  const parts = /^([a-zA-Z][a-zA-Z0-9+.-]*):(\/\/[^/?#]*)?([^?#]*)/.exec(uri);
  const scheme = parts?.[1]?.toLowerCase();
  const path = parts?.[3] ?? '';
  if (scheme === 'mlflow-artifacts') return proxied(uri, path, proxyStore);
  if (scheme === 'http' || scheme === 'https') {
    const at = path.indexOf(PROXY_ROUTE);
    const rest = at === -1 ? undefined : path.slice(at + PROXY_ROUTE.length);
    if (rest === undefined || (rest !== '' && !rest.startsWith('/'))) {
      throw new FerryError(
        'NOT_IMPLEMENTED',
        `Artifact URI scheme '${scheme}' is only supported for the artifact proxy (${PROXY_ROUTE}): ${uri}`,
      );
    }
    return proxied(uri, rest, proxyStore);
  }
  if (scheme === 'file') return { store: localStore(fileUriToPath(uri, path)), prefix: '' };
  if (scheme === undefined && isAbsolute(uri)) {
    return { store: localStore(checkedLocalPath(uri, uri)), prefix: '' };
  }
  throw new FerryError(
    'NOT_IMPLEMENTED',
    scheme === undefined
      ? `Unsupported artifact URI '${uri}': not a URI and not an absolute local path`
      : `Artifact URI scheme '${scheme}' is not supported: ${uri}`,
  );
}

/** Joins a key prefix and a relative artifact path into one key; both are checked with `safeRelativePath`. */
export function joinArtifactPath(prefix: string, rel: string | undefined): string {
  return [safeRelativePath(prefix), safeRelativePath(rel)].filter((part) => part !== '').join('/');
}

function proxied(
  uri: string,
  encodedPath: string,
  proxyStore: ArtifactStore | undefined,
): { store: ArtifactStore; prefix: string } {
  if (proxyStore === undefined) {
    throw new FerryError(
      'INVALID_PARAMETER_VALUE',
      `Artifact URI ${uri} needs the artifact proxy, but this server does not serve artifacts`,
    );
  }
  // The client turns `mlflow-artifacts:/p` into the HTTP route `.../artifacts/p`, whose path the server
  // percent-decodes; decoding here yields the same key.
  return { store: proxyStore, prefix: safeRelativePath(decode(encodedPath).replace(/^\/+/, '')) };
}

function fileUriToPath(uri: string, encodedPath: string): string {
  let path: string;
  try {
    path = fileURLToPath(new URL(uri));
  } catch {
    throw invalidParam(`Invalid file artifact URI: ${uri}`);
  }
  // The URL parser silently resolves `..` (also `%2e%2e`); look at the path as written instead.
  return checkedLocalPath(decode(encodedPath), path);
}

/** `path` normalised, if `written` has no `..` segment (a root should not be built by climbing out). */
function checkedLocalPath(written: string, path: string): string {
  if (written.split('/').includes('..') || written.includes('\0')) {
    throw invalidParam(`Invalid artifact location: ${written}`);
  }
  return resolve(path);
}

function decode(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw invalidParam('Invalid path');
  }
}

function localStore(root: string): LocalArtifactStore {
  let store = localStores.get(root);
  if (store !== undefined) {
    localStores.delete(root);
  } else {
    store = new LocalArtifactStore({ root });
    if (localStores.size >= MAX_CACHED_ROOTS) localStores.delete(localStores.keys().next().value as string);
  }
  // Re-inserting keeps the Map in least-recently-used order for the eviction above.
  localStores.set(root, store);
  return store;
}
