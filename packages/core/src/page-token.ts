import { invalidParam } from './errors.js';

/**
 * Page tokens in MLflow's format: base64 of `{"offset": N}`. Keeping the format means tokens issued
 * by MLflow and by Ferry are interchangeable, and the errors for bad tokens read the same.
 */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

/** Returns the offset of a token; 0 for no token. Throws INVALID_PARAMETER_VALUE for a bad one. */
export function decodePageToken(token: string | undefined | null): number {
  if (!token) return 0;
  // Strict like Python's b64decode: whole 4-character groups, padding only at the end.
  if (token.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(token)) {
    throw invalidParam('Invalid page token, could not base64-decode');
  }
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded);
  } catch {
    throw invalidParam(`Invalid page token, decoded value=${decoded}`);
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset <= 0) {
    throw invalidParam(`Invalid page token, parsed value=${JSON.stringify(parsed)}`);
  }
  return offset;
}
