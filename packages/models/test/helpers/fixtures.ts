import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The files of a fixture model directory (`test/fixtures/<name>.json`): file name → exact content. Kept
 * in one JSON document so that formatters cannot rewrite the YAML and JSON files MLflow wrote.
 */
export async function fixtureFiles(name: string): Promise<Record<string, string>> {
  const path = join(import.meta.dirname, '..', 'fixtures', `${name}.json`);
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
}
