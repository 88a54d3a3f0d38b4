import { createHash, randomBytes } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FerryError } from '@ferry/core';
import { invalidParam, notFound } from '@ferry/core';
import type { ArtifactBody, ArtifactStore, FileInfo } from './artifact-store.js';
import { safeRelativePath } from './path-safety.js';

/** Staging area for multipart uploads: `.ferry-mpu/<uploadId>/{upload.json,part-<n>.<md5>}`. */
const MPU_DIR = '.ferry-mpu';
/** Temp files of in-flight writes; inside the root so that the final rename stays on one filesystem. */
const TMP_DIR = '.ferry-tmp';
const RESERVED = new Set([MPU_DIR, TMP_DIR]);
const UPLOAD_META = 'upload.json';
const UPLOAD_ID = /^[0-9a-f]{32}$/;
const MAX_PART_NUMBER = 10_000;

export interface LocalArtifactStoreOptions {
  /** Directory holding the artifacts; created on the first write. */
  root: string;
}

/**
 * An ArtifactStore on a local directory. Writes stream into a temp file under the root and are renamed
 * into place; paths are checked with `safeRelativePath`, and symlinks inside the root are only followed
 * while their target stays inside the root (escaping ones are invisible to reads and refused for writes).
 * `.ferry-mpu` and `.ferry-tmp` at the root are reserved and never listed.
 */
export class LocalArtifactStore implements ArtifactStore {
  /** Absolute path of the root as configured (it may itself be a symlink). */
  readonly root: string;
  #realRoot: string | undefined;

  constructor({ root }: LocalArtifactStoreOptions) {
    if (!root) throw new TypeError('LocalArtifactStore needs a root directory');
    this.root = resolve(root);
  }

  async put(path: string, body: ArtifactBody): Promise<void> {
    const key = this.fileKey(path);
    const tmp = await this.writeTemp(body, await this.ensureDir([TMP_DIR]));
    await this.commit(tmp, key);
  }

  async get(path: string): Promise<{ body: AsyncIterable<Uint8Array>; size: number }> {
    const key = this.key(path);
    const real = await this.resolveExisting(key);
    // stat before open: opening a FIFO or device would block or have side effects.
    const found = real === undefined ? undefined : await stat(real).catch(() => undefined);
    if (real === undefined || !found?.isFile()) throw notFound(`Artifact '${key}' not found`);
    let handle: FileHandle;
    try {
      handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      if (isMissing(err)) throw notFound(`Artifact '${key}' not found`);
      throw err;
    }
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw notFound(`Artifact '${key}' not found`);
      return { body: handle.createReadStream(), size: st.size };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async list(dir: string): Promise<FileInfo[]> {
    const key = this.key(dir);
    const real = await this.resolveExisting(key);
    if (real === undefined) return [];
    let entries: Dirent[];
    try {
      entries = await readdir(real, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const atRoot = real === this.#realRoot;
    const infos = await Promise.all(
      entries
        .filter((entry) => !(atRoot && RESERVED.has(entry.name)))
        .map((entry) =>
          this.describe(join(real, entry.name), key ? `${key}/${entry.name}` : entry.name, entry),
        ),
    );
    return infos
      .filter((info): info is FileInfo => info !== undefined)
      .sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  }

  async delete(path: string): Promise<void> {
    const key = this.key(path);
    const root = await this.realRoot(false);
    if (root === undefined) return;
    if (key === '') {
      for (const name of await readdir(root)) {
        if (!RESERVED.has(name)) await rm(join(root, name), { recursive: true, force: true });
      }
      return;
    }
    const segments = key.split('/');
    const name = segments.pop() as string;
    // Only the parent is resolved: rm removes a symlink itself, never what it points to.
    const parent = await this.resolveExisting(segments.join('/'));
    if (parent === undefined) return;
    try {
      await rm(join(parent, name), { recursive: true, force: true });
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  async createMultipartUpload(path: string): Promise<{ uploadId: string }> {
    const key = this.fileKey(path);
    const uploadId = randomBytes(16).toString('hex');
    const dir = await this.ensureDir([MPU_DIR, uploadId]);
    await writeFile(join(dir, UPLOAD_META), JSON.stringify({ path: key }), { flag: 'wx' });
    return { uploadId };
  }

  async uploadPart(
    path: string,
    uploadId: string,
    partNumber: number,
    body: ArtifactBody,
  ): Promise<{ etag: string }> {
    const key = this.fileKey(path);
    checkPartNumber(partNumber);
    const dir = await this.uploadDir(key, uploadId);
    const hash = createHash('md5');
    try {
      const tmp = await this.writeTemp(body, dir, hash);
      const md5 = hash.digest('hex');
      // The md5 is part of the name, so completing with an etag is just checking that the file exists.
      await rename(tmp, join(dir, partFileName(partNumber, md5))).catch(async (err: unknown) => {
        await rm(tmp, { force: true });
        throw err;
      });
      return { etag: `"${md5}"` };
    } catch (err) {
      if (isMissing(err)) throw uploadNotFound(key, uploadId);
      throw err;
    }
  }

  async completeMultipartUpload(
    path: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
  ): Promise<void> {
    const key = this.fileKey(path);
    const dir = await this.uploadDir(key, uploadId);
    if (!Array.isArray(parts) || parts.length === 0) throw invalidParam('At least one part is required');
    const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const files: string[] = [];
    for (const [i, part] of sorted.entries()) {
      checkPartNumber(part.partNumber);
      if (sorted[i - 1]?.partNumber === part.partNumber) {
        throw invalidParam(`Part ${part.partNumber} is listed more than once`);
      }
      const md5 = etagToMd5(part.etag);
      const file = md5 === undefined ? undefined : join(dir, partFileName(part.partNumber, md5));
      if (file === undefined || !(await isFile(file))) {
        throw invalidParam(`No part ${part.partNumber} with etag ${JSON.stringify(part.etag)} was uploaded`);
      }
      files.push(file);
    }
    let tmp: string;
    try {
      tmp = await this.writeTemp(concatFiles(files), await this.ensureDir([TMP_DIR]));
    } catch (err) {
      if (isMissing(err)) throw uploadNotFound(key, uploadId);
      throw err;
    }
    await this.commit(tmp, key);
    await rm(dir, { recursive: true, force: true });
  }

  async abortMultipartUpload(path: string, uploadId: string): Promise<void> {
    const key = this.fileKey(path);
    await rm(await this.uploadDir(key, uploadId), { recursive: true, force: true });
  }

  /** A checked key; the reserved staging folders are not addressable. */
  private key(path: string): string {
    const key = safeRelativePath(path);
    if (RESERVED.has(key.split('/')[0] as string)) throw invalidParam('Invalid path');
    return key;
  }

  /** A checked key that names a file (not the root). */
  private fileKey(path: string): string {
    const key = this.key(path);
    if (key === '') throw invalidParam('Invalid path: a file path is required');
    return key;
  }

  /** The real path of the root, creating it for writes; undefined when it does not exist (reads). */
  private async realRoot(create: boolean): Promise<string | undefined> {
    if (create) await mkdir(this.root, { recursive: true });
    if (this.#realRoot !== undefined) return this.#realRoot;
    try {
      this.#realRoot = await realpath(this.root);
    } catch (err) {
      if (!create && isMissing(err)) return undefined;
      throw err;
    }
    return this.#realRoot;
  }

  private isInside(real: string): boolean {
    const root = this.#realRoot as string;
    return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
  }

  /** Real path of an existing key, or undefined if it is missing or only reachable by leaving the root. */
  private async resolveExisting(key: string): Promise<string | undefined> {
    const root = await this.realRoot(false);
    if (root === undefined) return undefined;
    try {
      const real = await realpath(join(root, key));
      return this.isInside(real) ? real : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /**
   * Creates the directories one at a time and returns the real path of the last one. Each level is
   * resolved before descending, so a symlink leading out of the root is never written through (a
   * recursive mkdir would create directories at its target).
   */
  private async ensureDir(segments: string[]): Promise<string> {
    let dir = (await this.realRoot(true)) as string;
    for (const segment of segments) {
      const next = join(dir, segment);
      try {
        await mkdir(next);
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') throw err;
      }
      const real = await realpath(next).catch((err: unknown) => {
        throw isMissing(err) ? invalidParam('Invalid path') : err;
      });
      if (!this.isInside(real)) throw invalidParam('Invalid path');
      dir = real;
    }
    return dir;
  }

  /** Streams a body into a fresh file in `dir` (hashing it on the way); removes the file on failure. */
  private async writeTemp(body: ArtifactBody, dir: string, hash?: Hash): Promise<string> {
    const tmp = join(dir, `${randomBytes(12).toString('hex')}.tmp`);
    try {
      await pipeline(chunksOf(body, hash), createWriteStream(tmp, { flags: 'wx' }));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return tmp;
  }

  /** Renames a finished temp file to `key`, replacing any file there; removes the temp on failure. */
  private async commit(tmp: string, key: string): Promise<void> {
    const segments = key.split('/');
    const name = segments.pop() as string;
    try {
      for (let attempt = 1; ; attempt++) {
        const dir = await this.ensureDir(segments);
        try {
          await rename(tmp, join(dir, name));
          return;
        } catch (err) {
          // A concurrent delete of the parent directory between mkdir and rename: create it again.
          if (errorCode(err) !== 'ENOENT' || attempt === 3) throw err;
        }
      }
    } catch (err) {
      await rm(tmp, { force: true });
      throw writeError(err, key);
    }
  }

  /** The staging directory of an upload of `key`; RESOURCE_DOES_NOT_EXIST for any other id. */
  private async uploadDir(key: string, uploadId: string): Promise<string> {
    // The id becomes a path segment, so anything but our own format is rejected before touching disk.
    if (typeof uploadId !== 'string' || !UPLOAD_ID.test(uploadId)) throw uploadNotFound(key, uploadId);
    const root = await this.realRoot(false);
    if (root === undefined) throw uploadNotFound(key, uploadId);
    const dir = join(root, MPU_DIR, uploadId);
    let meta: unknown;
    try {
      meta = JSON.parse(await readFile(join(dir, UPLOAD_META), 'utf8'));
    } catch (err) {
      if (isMissing(err)) throw uploadNotFound(key, uploadId);
      throw err;
    }
    if ((meta as { path?: unknown } | null)?.path !== key) throw uploadNotFound(key, uploadId);
    return dir;
  }

  private async describe(abs: string, path: string, entry: Dirent): Promise<FileInfo | undefined> {
    let target = abs;
    if (entry.isSymbolicLink()) {
      const real = await realpath(abs).catch(() => undefined);
      if (real === undefined || !this.isInside(real)) return undefined;
      target = real;
    } else if (entry.isDirectory()) {
      return { path, is_dir: true };
    } else if (!entry.isFile()) {
      return undefined;
    }
    // The entry may vanish between readdir and stat (a concurrent delete); it is then simply not listed.
    const st = await stat(target).catch(() => undefined);
    if (st?.isDirectory()) return { path, is_dir: true };
    if (st?.isFile()) return { path, is_dir: false, file_size: st.size };
    return undefined;
  }
}

async function* chunksOf(body: ArtifactBody, hash?: Hash): AsyncIterable<Uint8Array> {
  if (body instanceof Uint8Array) {
    hash?.update(body);
    yield body;
    return;
  }
  for await (const chunk of body) {
    hash?.update(chunk);
    yield chunk;
  }
}

async function* concatFiles(files: string[]): AsyncIterable<Uint8Array> {
  for (const file of files) {
    for await (const chunk of createReadStream(file)) yield chunk as Buffer;
  }
}

function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw invalidParam(`Invalid part number ${partNumber}; must be an integer from 1 to ${MAX_PART_NUMBER}`);
  }
}

function partFileName(partNumber: number, md5: string): string {
  return `part-${partNumber}.${md5}`;
}

/** The md5 hex of an S3-style etag (`"<md5>"`, quotes optional), or undefined if it is not one. */
function etagToMd5(etag: unknown): string | undefined {
  if (typeof etag !== 'string') return undefined;
  return /^"?([0-9a-fA-F]{32})"?$/.exec(etag.trim())?.[1]?.toLowerCase();
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

function uploadNotFound(key: string, uploadId: string): FerryError {
  return notFound(`Multipart upload ${JSON.stringify(uploadId)} for '${key}' not found`);
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function isMissing(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
}

/** Filesystem errors a client can cause with its path, as INVALID_PARAMETER_VALUE; the rest unchanged. */
function writeError(err: unknown, key: string): unknown {
  switch (errorCode(err)) {
    case 'ENOTDIR':
      return invalidParam(`Cannot write '${key}': a parent path is a file`);
    case 'EISDIR':
    case 'EEXIST':
    case 'ENOTEMPTY':
      return invalidParam(`Cannot write '${key}': it is a directory`);
    case 'ENAMETOOLONG':
      return invalidParam(`Cannot write '${key}': name too long`);
    default:
      return err;
  }
}
