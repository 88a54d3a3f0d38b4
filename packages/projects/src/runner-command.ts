/**
 * Where the detached runner (detached-runner.ts) is and how to start it: the compiled
 * `detached-runner.js` beside this module when the package is built, else the TypeScript source under
 * tsx's loader (tests and development, running from `src`). Kept apart from the runner so importing
 * this never starts it.
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function detachedRunnerCommand(jobFile: string): string[] {
  const dir = dirname(fileURLToPath(import.meta.url));
  const compiled = join(dir, 'detached-runner.js');
  if (existsSync(compiled)) return [process.execPath, compiled, jobFile];
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return [process.execPath, '--import', tsxLoader, join(dir, 'detached-runner.ts'), jobFile];
}
