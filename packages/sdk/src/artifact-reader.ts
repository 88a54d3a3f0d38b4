import { cp, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryError } from '@ferry/core';
import type { TrackingClient } from './tracking-client.js';
import { ProgressCounter } from './transfer-progress.js';
import type { TransferOptions } from './transfer-progress.js';

/** The proxy key of an artifact URI the server serves (`mlflow-artifacts:` or a proxy URL), if it is one. */
export function proxyKey(uri: string): string | undefined {
  const key =
    /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(uri)?.[1] ??
    /\/api\/2\.0\/mlflow-artifacts\/artifacts\/(.*)$/.exec(uri)?.[1];
  return key?.replace(/\/+$/, '');
}

function localPath(uri: string): string | undefined {
  if (uri.startsWith('file:')) return fileURLToPath(uri);
  if (uri.startsWith('/')) return uri;
  return undefined;
}

/**
 * Downloads everything under an artifact URI — a run's, a logged model's, a registered version's
 * storage location — into a local folder: through the server's proxy for served URIs, by copying for
 * local ones. Returns the local path (the folder, or the file when the URI names one file).
 */
export async function downloadArtifactUri(
  client: TrackingClient,
  uri: string,
  dst: string,
  options: TransferOptions = {},
): Promise<string> {
  const local = localPath(uri);
  if (local !== undefined) {
    const target = (await stat(local)).isDirectory() ? dst : join(dst, local.split('/').pop()!);
    await cp(local, target, { recursive: true });
    return target;
  }
  const key = proxyKey(uri);
  if (key === undefined) {
    throw new FerryError(
      'NOT_IMPLEMENTED',
      `Artifact URI '${uri}' is neither served by the tracking server nor local; the SDK cannot read it.`,
    );
  }
  const files = await listRecursively(client, key);
  if (files.length === 0) {
    // Nothing listed: a single file (or nothing, which the server then reports).
    const target = join(dst, key.split('/').pop()!);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await client.getProxiedArtifact(key));
    return target;
  }
  const progress = new ProgressCounter(
    files.length,
    files.reduce((n, f) => n + f.size, 0),
    options.onProgress,
  );
  for (const f of files) {
    const target = join(dst, f.rel);
    await mkdir(dirname(target), { recursive: true });
    const bytes = await client.getProxiedArtifact(`${key}/${f.rel}`);
    await writeFile(target, bytes);
    progress.done(f.rel, bytes.length);
  }
  return dst;
}

async function listRecursively(
  client: TrackingClient,
  key: string,
  rel = '',
): Promise<{ rel: string; size: number }[]> {
  const out: { rel: string; size: number }[] = [];
  for (const entry of await client.listProxiedArtifacts(rel ? `${key}/${rel}` : key)) {
    const child = rel ? `${rel}/${entry.path}` : entry.path;
    if (entry.is_dir) out.push(...(await listRecursively(client, key, child)));
    else out.push({ rel: child, size: entry.file_size ?? 0 });
  }
  return out;
}
