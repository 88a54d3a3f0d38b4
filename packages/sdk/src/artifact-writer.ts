import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { FerryError } from '@ferry/core';
import { proxyKey } from './artifact-reader.js';
import type { TrackingClient } from './tracking-client.js';
import { ProgressCounter } from './transfer-progress.js';
import type { TransferOptions } from './transfer-progress.js';

/** Every file under `dir` with its size and the artifact folder it goes to. */
async function listFiles(
  dir: string,
  folder: string,
): Promise<{ file: string; folder: string; size: number }[]> {
  const out: { file: string; folder: string; size: number }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (entry.isDirectory())
      out.push(...(await listFiles(file, [folder, entry.name].filter(Boolean).join('/'))));
    else if (entry.isFile()) out.push({ file, folder, size: (await stat(file)).size });
  }
  return out;
}

/** Files up to this size are sent from memory, so a retried upload can send them again. */
const BUFFERED_UPLOAD_BYTES = 16 * 1024 * 1024;

/** Run-relative artifact path: no leading slash, no `..`, forward slashes. */
function cleanArtifactPath(p: string | undefined): string {
  const normalized = posix.normalize((p ?? '').replaceAll('\\', '/')).replace(/^\/+|\/+$/g, '');
  if (normalized === '.' || normalized === '') return '';
  if (normalized.split('/').includes('..')) {
    throw new FerryError(
      'INVALID_PARAMETER_VALUE',
      `Invalid artifact path '${p}': it must stay inside the run.`,
    );
  }
  return normalized;
}

/**
 * Where a run's artifacts go, decided by its artifact URI as MLflow's client decides: through the
 * server's artifact proxy for `mlflow-artifacts:` and proxy URLs, straight to disk for local roots.
 */
export class ArtifactWriter {
  constructor(
    private readonly client: TrackingClient,
    private readonly artifactUri: string,
  ) {}

  /** Writes bytes as the run artifact at `path` (e.g. `plots/loss.png`). */
  async put(path: string, body: Uint8Array | string): Promise<void> {
    const rel = cleanArtifactPath(path);
    if (rel === '') throw new FerryError('INVALID_PARAMETER_VALUE', 'An artifact needs a file name.');
    const local = this.localRoot();
    if (local !== undefined) {
      await mkdir(dirname(join(local, rel)), { recursive: true });
      await writeFile(join(local, rel), body);
      return;
    }
    await this.client.putArtifact(
      this.proxyPath(rel),
      typeof body === 'string' ? new TextEncoder().encode(body) : body,
    );
  }

  /** Uploads one local file under `artifactPath` (a run-relative folder), keeping its name. */
  async putFile(file: string, artifactPath?: string): Promise<void> {
    const rel = [cleanArtifactPath(artifactPath), basename(file)].filter(Boolean).join('/');
    const local = this.localRoot();
    if (local !== undefined) {
      await mkdir(dirname(join(local, rel)), { recursive: true });
      await copyFile(file, join(local, rel));
      return;
    }
    const { size } = await stat(file);
    if (size <= BUFFERED_UPLOAD_BYTES) {
      await this.client.putArtifact(this.proxyPath(rel), await readFile(file));
    } else {
      const stream = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
      await this.client.putArtifact(this.proxyPath(rel), stream);
    }
  }

  /** Uploads a folder's files recursively under `artifactPath`, reporting each finished file. */
  async putDirectory(dir: string, artifactPath?: string, options: TransferOptions = {}): Promise<void> {
    const files = await listFiles(dir, cleanArtifactPath(artifactPath));
    const progress = new ProgressCounter(
      files.length,
      files.reduce((n, f) => n + f.size, 0),
      options.onProgress,
    );
    for (const f of files) {
      await this.putFile(f.file, f.folder || undefined);
      progress.done(f.file, f.size);
    }
  }

  private localRoot(): string | undefined {
    if (this.artifactUri.startsWith('file:')) return fileURLToPath(this.artifactUri);
    if (this.artifactUri.startsWith('/')) return this.artifactUri;
    return undefined;
  }

  /** The key under the server's artifact proxy for a run-relative path. */
  private proxyPath(rel: string): string {
    const proxied = proxyKey(this.artifactUri);
    if (proxied === undefined) {
      throw new FerryError(
        'NOT_IMPLEMENTED',
        `Artifact URI '${this.artifactUri}' is neither served by the tracking server nor local; the SDK cannot write there yet.`,
      );
    }
    return `${proxied}/${rel}`;
  }
}
