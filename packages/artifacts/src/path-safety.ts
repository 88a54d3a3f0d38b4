import { invalidParam } from '@ferry/core';

/** How many layers of percent-encoding are peeled off when looking for hidden separators or `..`. */
const MAX_DECODE_LAYERS = 8;

/**
 * Normalises an artifact path relative to a store root and rejects anything that could leave it.
 *
 * Returns '' for '' / undefined, otherwise '/'-separated segments with `.` segments, leading './',
 * trailing '/' and duplicate slashes removed (e.g. `./a//b/` → `a/b`). Throws INVALID_PARAMETER_VALUE
 * `Invalid path` for a `..` segment, an absolute path, a backslash, a Windows drive letter, NUL, or any of
 * these hidden behind (possibly repeated) percent-encoding such as `%2e%2e`, `%2f`, `%5c`, `%00`.
 */
export function safeRelativePath(p: string | undefined): string {
  if (p === undefined || p === '') return '';
  if (typeof p !== 'string') throw invalidParam('Invalid path');
  // The raw form is the one used as a key; decoded forms are checked too because some layer (an HTTP
  // router, a proxy, an S3 URL) may decode the key again before it reaches a filesystem.
  let layer = p;
  for (let i = 0; i <= MAX_DECODE_LAYERS; i++) {
    if (isUnsafe(layer)) throw invalidParam('Invalid path');
    const decoded = percentDecodeAscii(layer);
    if (decoded === layer) break;
    if (i === MAX_DECODE_LAYERS) throw invalidParam('Invalid path');
    layer = decoded;
  }
  const normalised = p
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
  // './C:/x' only shows its drive letter once the leading './' is gone.
  if (/^[a-zA-Z]:/.test(normalised)) throw invalidParam('Invalid path');
  return normalised;
}

function isUnsafe(s: string): boolean {
  return (
    s.startsWith('/') ||
    s.includes('\0') ||
    s.includes('\\') ||
    /^[a-zA-Z]:/.test(s) ||
    // An encoded separator or NUL: harmless as a literal name here, but not after the next decode.
    /%(2f|5c|00)/i.test(s) ||
    s.split('/').includes('..')
  );
}

/** Decodes `%XX` escapes of ASCII bytes only; everything else (including malformed escapes) is kept. */
function percentDecodeAscii(s: string): string {
  return s.replace(/%([0-7][0-9a-fA-F])/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
