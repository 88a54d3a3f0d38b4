import type { IncomingMessage } from 'node:http';

/** The default request body limit: 50 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 50 * 1024 * 1024;

/** A request body over the limit (HTTP 413). */
export class PayloadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The request body exceeds the limit of ${limit} bytes (${humanBytes(limit)})`);
    this.name = 'PayloadTooLargeError';
  }
}

function humanBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit++;
  }
  return `${value} ${units[unit]}`;
}

/**
 * The request body, read up to `limit` bytes: a declared `Content-Length` over the limit is refused
 * before reading, a streamed body as soon as it passes the limit (PayloadTooLargeError). Under
 * `@hono/node-server`, `incoming` (the Node request) is read directly: going through `request.body`
 * would build a web Request and a web stream per request, whose garbage made the server pause for
 * tens of milliseconds under load.
 */
export async function readBody(
  request: Request,
  limit: number,
  incoming?: IncomingMessage,
): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw new PayloadTooLargeError(limit);
  if (incoming !== undefined && !incoming.readableEnded) return readIncoming(incoming, limit);
  if (request.body === null) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

async function readIncoming(incoming: IncomingMessage, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > limit) {
      // Stop reading; the answer (413) closes the exchange.
      incoming.pause();
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** UTF-8 text of a body (invalid sequences become U+FFFD). */
export const utf8 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
