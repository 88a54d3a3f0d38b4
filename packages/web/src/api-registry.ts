import { ApiError, appBase, artifactUrl, get } from './api';

/** The URL of a file under the server's artifact proxy (`mlflow-artifacts:/<key>`), relative to the app. */
export function proxyArtifactUrl(key: string): string {
  const encoded = key
    .split('/')
    .filter((p) => p !== '')
    .map(encodeURIComponent)
    .join('/');
  return `${appBase()}ajax-api/2.0/mlflow-artifacts/artifacts/${encoded}`;
}

/**
 * The URL the browser can read a file of a model from, given the model's location: a `runs:/<run>/<path>`
 * URI (read through `get-artifact`) or an `mlflow-artifacts:/<key>` URI, with or without a host (read
 * through the artifact proxy) — the form of run artifact URIs and of logged models' artifact locations
 * when the server serves artifacts. Undefined for locations the browser cannot reach (local paths, S3...).
 */
export function modelFileUrl(location: string, file: string): string | undefined {
  const runs = /^runs:\/+([^/]+)\/?(.*?)\/*$/.exec(location);
  if (runs) return artifactUrl(runs[1]!, runs[2] ? `${runs[2]}/${file}` : file);
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*?)\/*$/.exec(location);
  if (proxied) return proxyArtifactUrl(proxied[1] ? `${proxied[1]}/${file}` : file);
  return undefined;
}

/** Reads at most `limit` bytes of a URL's body; `truncated` tells whether there was more. */
export async function readPrefix(
  url: string,
  limit: number,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const response = await fetch(url);
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // plain-text error
    }
    throw new ApiError(message || `${response.status} ${response.statusText}`, 'READ_ERROR', response.status);
  }
  if (!response.body) {
    const all = new Uint8Array(await response.arrayBuffer());
    return { bytes: all.slice(0, limit), truncated: all.length > limit };
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size > limit) {
      truncated = true;
      await reader.cancel();
      break;
    }
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let at = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, Math.min(chunk.length, bytes.length - at));
    bytes.set(part, at);
    at += part.length;
    if (at >= bytes.length) break;
  }
  return { bytes, truncated };
}

/** One change to a model version, as Ferry's `model-versions/get-history` extension reports it. */
export interface ModelVersionEvent {
  id: string;
  name: string;
  version: string;
  kind: 'created' | 'stage_transition' | 'alias_set' | 'alias_removed';
  from_stage?: string;
  to_stage?: string;
  alias?: string;
  user_id?: string;
  timestamp: number;
}

/** A version's creation, stage transitions and alias changes, newest first. */
export async function modelVersionHistory(name: string, version: string): Promise<ModelVersionEvent[]> {
  const { events } = await get<{ events?: ModelVersionEvent[] }>('model-versions/get-history', {
    name,
    version,
  });
  return events ?? [];
}
