import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { invalidParam } from '@ferry/core';
import type { Message } from './message.js';

/** JSON bodies beyond this are refused before parsing; log-batch has its own, tighter limit. */
export const MAX_JSON_BODY_BYTES = 16 * 1024 * 1024;

function queryMessage(url: URL): Message {
  const msg: Message = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    msg[key] = values.length === 1 ? values[0] : values;
  }
  return msg;
}

/** Parses a JSON body; a JSON string holding JSON (double-encoded by old clients) is decoded twice. */
export function parseJsonBody(text: string): Message {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
    if (typeof value === 'string') value = JSON.parse(value);
  } catch (error) {
    throw invalidParam(`Malformed JSON in request body: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParam('The request body must be a JSON object.');
  }
  return value as Message;
}

function checkContentType(header: string | undefined, hasBody: boolean): void {
  if (header === undefined) {
    if (hasBody) throw invalidParam('Bad Request. Content-Type header is missing.');
    return;
  }
  const type = header.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw invalidParam("Bad Request. Content-Type must be one of ['application/json'].");
  }
}

/**
 * The body as text. On a Node socket the raw request stream is read directly: going through the
 * web-standard Request body (a ReadableStream) costs more than the rest of a small request.
 */
async function bodyText(c: Context): Promise<string> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || incoming.readableEnded) return c.req.text();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY_BYTES) throw invalidParam(`Request body exceeds ${MAX_JSON_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/**
 * The request's fields as MLflow reads them: the query string for GET (or the JSON body when a GET
 * has no query string), the JSON body otherwise. Returns the message and the body size in bytes.
 */
export async function readMessage(c: Context): Promise<{ message: Message; bodyBytes: number }> {
  const url = new URL(c.req.url);
  if (c.req.method === 'GET' && url.search.length > 1) return { message: queryMessage(url), bodyBytes: 0 };
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > MAX_JSON_BODY_BYTES)
    throw invalidParam(`Request body exceeds ${MAX_JSON_BODY_BYTES} bytes.`);
  const text = await bodyText(c);
  if (text.length > MAX_JSON_BODY_BYTES)
    throw invalidParam(`Request body exceeds ${MAX_JSON_BODY_BYTES} bytes.`);
  if (c.req.method !== 'GET') checkContentType(c.req.header('content-type'), text.length > 0);
  return { message: parseJsonBody(text), bodyBytes: Buffer.byteLength(text) };
}
