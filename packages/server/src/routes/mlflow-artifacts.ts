import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import mime from 'mime-types';
import { FerryError, invalidParam } from '@ferry/core';
import { joinArtifactPath, resolveArtifactUri, safeRelativePath } from '@ferry/artifacts';
import type { ArtifactBody, ArtifactStore } from '@ferry/artifacts';
import type { AppDeps } from '../deps.js';
import { Fields } from '../http/message.js';
import { readMessage } from '../http/read-message.js';

/** The proxy lives at both prefixes, like the tracking API (the web UI calls the ajax one). */
const BASES = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts'];

/** Types a browser could execute are sent as plain text, so a logged artifact cannot run script here. */
const UNSAFE_TYPES = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'application/javascript',
  'text/javascript',
]);

function contentTypeFor(path: string): string {
  const guessed = mime.lookup(path);
  if (!guessed) return 'application/octet-stream';
  return UNSAFE_TYPES.has(guessed) ? 'text/plain' : guessed;
}

function requestBody(raw: Request): ArtifactBody {
  return (raw.body ?? new Uint8Array()) as unknown as AsyncIterable<Uint8Array>;
}

/** The artifact path after the route prefix, percent-decoded and checked. */
function pathAfter(url: string, route: string): string {
  const pathname = new URL(url).pathname;
  const at = pathname.indexOf(route);
  const encoded = at === -1 ? '' : pathname.slice(at + route.length).replace(/^\//, '');
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    throw invalidParam('Invalid path');
  }
  return safeRelativePath(decoded);
}

export async function sendArtifact(store: ArtifactStore, key: string): Promise<Response> {
  const file = await store.get(key);
  const name = key.split('/').pop() ?? 'artifact';
  return new Response(Readable.toWeb(Readable.from(file.body)) as ReadableStream, {
    headers: {
      'content-type': contentTypeFor(key),
      'content-length': String(file.size),
      'content-disposition': `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}"`,
      'x-content-type-options': 'nosniff',
    },
  });
}

function publicOrigin(req: Request): string {
  const url = new URL(req.url);
  const host = req.headers.get('x-forwarded-host') ?? url.host;
  const proto = req.headers.get('x-forwarded-proto') ?? url.protocol.replace(':', '');
  return `${proto}://${host}`;
}

const disabled = (): Response =>
  new Response(
    `Endpoint: ${BASES[0]} is disabled because the server runs with --no-serve-artifacts. ` +
      'Start `ferry server` with --serve-artifacts to enable it.',
    { status: 503, headers: { 'content-type': 'text/plain' } },
  );

/**
 * The `mlflow-artifacts` proxy: clients upload and download through the server, which keeps files in
 * its artifacts destination. Paths are relative to that destination (`<exp>/<run>/artifacts/...`).
 */
export function registerArtifactProxy(app: Hono, deps: AppDeps): void {
  const store = deps.artifactProxy;
  const proxy =
    (handler: (store: ArtifactStore, req: Request) => Promise<Response>) => (c: { req: { raw: Request } }) =>
      store ? handler(store, c.req.raw) : disabled();
  for (const base of BASES) registerAt(app, base, store, proxy);

  // The web UI's download route: a run's artifact by run id and run-relative path.
  app.get('/get-artifact', async (c) => {
    const runId = c.req.query('run_id') ?? c.req.query('run_uuid');
    if (!runId) throw invalidParam(`Missing value for required parameter 'run_id'.`);
    const run = await deps.store.getRun(runId);
    const resolved = resolveArtifactUri(run.info.artifact_uri, store);
    const key = joinArtifactPath(resolved.prefix, c.req.query('path'));
    if (key === resolved.prefix) throw new FerryError('INVALID_PARAMETER_VALUE', 'Invalid path');
    return sendArtifact(resolved.store, key);
  });
}

type Proxy = (
  handler: (store: ArtifactStore, req: Request) => Promise<Response>,
) => (c: { req: { raw: Request } }) => Response | Promise<Response>;

/** The proxy's routes under one base path. */
function registerAt(app: Hono, base: string, store: ArtifactStore | undefined, proxy: Proxy): void {
  app.get(
    `${base}/artifacts`,
    proxy(async (s, req) => {
      const dir = safeRelativePath(new URL(req.url).searchParams.get('path') ?? '');
      const entries = await s.list(dir);
      const files = entries.map((e) => ({ ...e, path: e.path.split('/').pop() ?? e.path }));
      return Response.json(files.length > 0 ? { files } : {});
    }),
  );
  app.get(
    `${base}/artifacts/*`,
    proxy((s, req) => sendArtifact(s, pathAfter(req.url, `${base}/artifacts`))),
  );
  app.put(
    `${base}/artifacts/*`,
    proxy(async (s, req) => {
      const key = pathAfter(req.url, `${base}/artifacts`);
      if (key === '') throw invalidParam('Invalid path');
      await s.put(key, requestBody(req));
      return Response.json({});
    }),
  );
  app.delete(
    `${base}/artifacts/*`,
    proxy(async (s, req) => {
      await s.delete(pathAfter(req.url, `${base}/artifacts`));
      return Response.json({});
    }),
  );

  app.post(`${base}/mpu/create/*`, async (c) => {
    if (!store) return disabled();
    const key = pathAfter(c.req.url, `${base}/mpu/create`);
    const fields = new Fields((await readMessage(c)).message);
    const numParts = fields.optionalInt('num_parts') ?? 1;
    if (numParts < 1 || numParts > 10_000) throw invalidParam('num_parts must be between 1 and 10000.');
    const { uploadId } = await store.createMultipartUpload(key);
    // Part URLs point back at the route this request came in on, static prefix included.
    const pathname = new URL(c.req.url).pathname;
    const routeRoot = `${publicOrigin(c.req.raw)}${pathname.slice(0, pathname.indexOf('/mpu/create/'))}`;
    const encodedKey = key.split('/').map(encodeURIComponent).join('/');
    const credentials = Array.from({ length: numParts }, (_, i) => ({
      part_number: i + 1,
      url: `${routeRoot}/mpu/upload-part/${encodedKey}?upload_id=${encodeURIComponent(uploadId)}&part_number=${i + 1}`,
      headers: {},
    }));
    return c.json({ upload_id: uploadId, credentials });
  });
  // Where the URLs handed out by mpu/create point for a local destination (S3 would hand out its own).
  app.put(`${base}/mpu/upload-part/*`, async (c) => {
    if (!store) return disabled();
    const key = pathAfter(c.req.url, `${base}/mpu/upload-part`);
    const uploadId = c.req.query('upload_id');
    const partNumber = Number(c.req.query('part_number'));
    if (!uploadId || !Number.isInteger(partNumber) || partNumber < 1) {
      throw invalidParam('upload_id and a positive integer part_number are required.');
    }
    const { etag } = await store.uploadPart(key, uploadId, partNumber, requestBody(c.req.raw));
    return c.json({}, 200, { etag });
  });
  app.post(`${base}/mpu/complete/*`, async (c) => {
    if (!store) return disabled();
    const key = pathAfter(c.req.url, `${base}/mpu/complete`);
    const fields = new Fields((await readMessage(c)).message);
    const parts = fields
      .messages('parts')
      .map((p) => ({ partNumber: p.int('part_number'), etag: p.string('etag') }));
    await store.completeMultipartUpload(key, fields.string('upload_id'), parts);
    return c.json({});
  });
  app.post(`${base}/mpu/abort/*`, async (c) => {
    if (!store) return disabled();
    const key = pathAfter(c.req.url, `${base}/mpu/abort`);
    const fields = new Fields((await readMessage(c)).message);
    await store.abortMultipartUpload(key, fields.string('upload_id'));
    return c.json({});
  });
}
