import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { ArtifactStore } from '@ferry/artifacts';
import { FerryError } from '@ferry/core';

/** Maps an artifact URI to the store holding it and the key inside it (resolveArtifactUri, bound to the server's proxy store). */
export type ArtifactResolver = (uri: string) => { store: ArtifactStore; prefix: string };

const join2 = (prefix: string, rel: string) =>
  prefix === '' ? rel : rel === '' ? prefix : `${prefix}/${rel}`;

/** Every file under a local path (itself, when it is a file), as paths relative to it ('' for the file itself). */
async function localFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (info.isFile()) return [''];
  const out: string[] = [];
  for (const entry of await readdir(path, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(relative(path, join(entry.parentPath, entry.name)).split(sep).join('/'));
  }
  return out.sort();
}

/**
 * Digest of an artifact's content: sha256 over its files' relative paths and bytes, in path order, so
 * the same data at another URI has the same digest (what cache keys use, never the path).
 */
export async function digestLocal(path: string): Promise<string> {
  const hash = createHash('sha256');
  for (const rel of await localFiles(path)) {
    hash.update(`${rel}\0`);
    const file = rel === '' ? path : join(path, rel);
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    hash.update('\0');
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * The store and key of a single file at `uri`. Resolved through the parent folder's URI: a local
 * path URI resolves to a store rooted at that path, which cannot name itself as a file.
 */
function fileLocation(resolve: ArtifactResolver, uri: string): { store: ArtifactStore; key: string } {
  const cut = uri.replace(/\/+$/, '').lastIndexOf('/');
  const { store, prefix } = resolve(uri.slice(0, cut));
  return { store, key: join2(prefix, uri.slice(cut + 1)) };
}

/** Copies a local file or folder to an artifact URI (a folder's files keep their relative paths). */
export async function uploadArtifact(
  resolve: ArtifactResolver,
  localPath: string,
  uri: string,
): Promise<void> {
  const files = await localFiles(localPath);
  if (files.length === 1 && files[0] === '') {
    const { store, key } = fileLocation(resolve, uri);
    await store.put(key, createReadStream(localPath));
    return;
  }
  const { store, prefix } = resolve(uri);
  for (const rel of files) await store.put(join2(prefix, rel), createReadStream(join(localPath, rel)));
}

/** Every file key under a store prefix, depth first. */
async function storeFiles(store: ArtifactStore, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await store.list(dir)) {
    if (entry.is_dir) out.push(...(await storeFiles(store, entry.path)));
    else out.push(entry.path);
  }
  return out;
}

/**
 * Materialises an artifact URI at a local path: a file as that file, a folder as a folder. Missing
 * artifacts are RESOURCE_DOES_NOT_EXIST.
 */
export async function downloadArtifact(
  resolve: ArtifactResolver,
  uri: string,
  localPath: string,
): Promise<void> {
  const { store, prefix } = resolve(uri);
  const files = await storeFiles(store, prefix).catch(() => []);
  const copy = async (from: ArtifactStore, key: string, target: string) => {
    const { body } = await from.get(key);
    await mkdir(dirname(target), { recursive: true });
    await streamPipeline(Readable.from(body), createWriteStream(target));
  };
  if (files.length > 0) {
    for (const key of files)
      await copy(store, key, join(localPath, key.slice(prefix.length).replace(/^\//, '')));
    return;
  }
  try {
    const file = fileLocation(resolve, uri);
    await copy(file.store, file.key, localPath);
  } catch (error) {
    if (error instanceof FerryError && error.code === 'RESOURCE_DOES_NOT_EXIST') {
      throw new FerryError('RESOURCE_DOES_NOT_EXIST', `Input artifact ${uri} does not exist`);
    }
    throw error;
  }
}
