import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

export interface PostResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The response body as text, cut at `maxBodyBytes`. */
  body: string;
}

export interface PostOptions {
  headers: Record<string, string>;
  /** Limit on the whole attempt, from connecting to the last byte of the response. */
  timeoutMs: number;
  /** Resolves host names (and may refuse the addresses found). */
  lookup?: LookupFunction;
  signal?: AbortSignal;
  maxBodyBytes?: number;
}

export class PostTimeoutError extends Error {
  constructor(url: URL, timeoutMs: number) {
    super(`POST ${url.origin}${url.pathname} timed out after ${timeoutMs} ms`);
    this.name = 'PostTimeoutError';
  }
}

/**
 * One POST of `body`. Redirects are not followed (a 3xx is the answer): following one would reach a
 * URL the policy never checked. Rejects on network errors, timeouts and aborts.
 */
export function post(url: URL, body: string, options: PostOptions): Promise<PostResponse> {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      // A fresh connection per delivery: a pooled one the receiver closed while idle fails as "socket
      // hang up", and webhooks are too infrequent for reuse to pay.
      agent: false,
      headers: { ...options.headers, 'Content-Length': String(Buffer.byteLength(body)) },
      ...(options.lookup ? { lookup: options.lookup } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const timer = setTimeout(
      () => req.destroy(new PostTimeoutError(url, options.timeoutMs)),
      options.timeoutMs,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < maxBodyBytes) chunks.push(chunk.subarray(0, maxBodyBytes - size));
        size += chunk.length;
      });
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) fail(new Error(`The response from ${url.origin} ended early`));
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.end(body);
  });
}
