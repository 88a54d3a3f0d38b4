import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { invalidParam } from '@ferry/core';

/**
 * The exact installed versions of npm packages, found the way Node resolves a bare import from `fromDir`:
 * the first `node_modules/<name>/package.json` walking up the directory tree. INVALID_PARAMETER_VALUE
 * naming the package when one is not installed there.
 */
export async function installedVersions(
  names: readonly string[],
  fromDir: string,
): Promise<Record<string, string>> {
  const entries = await Promise.all(names.map(async (name) => [name, await installedVersion(name, fromDir)]));
  return Object.fromEntries(entries.sort(([a], [b]) => (a! < b! ? -1 : 1)));
}

async function installedVersion(name: string, fromDir: string): Promise<string> {
  if (!/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(name)) {
    throw invalidParam(`Invalid npm package name '${name}'`);
  }
  for (let dir = resolve(fromDir); ; dir = dirname(dir)) {
    const manifest = await readFile(join(dir, 'node_modules', name, 'package.json'), 'utf8').catch(
      () => undefined,
    );
    if (manifest !== undefined) {
      const version = (JSON.parse(manifest) as { version?: unknown }).version;
      if (typeof version === 'string') return version;
    }
    if (dirname(dir) === dir) break;
  }
  throw invalidParam(`The npm package '${name}' is not installed where '${fromDir}' can import it`);
}
