/**
 * Where the function runner (function-runner.ts) is, and how to start it. Kept apart from the runner
 * so that importing the helper never loads the entry point.
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The argv that runs `exportName` of `module` with the function runner: the compiled
 * `function-runner.js` when it sits next to this module (an installed or built package), else the
 * TypeScript source under tsx's loader (tests and development, running from `src`).
 */
export function functionRunnerCommand(
  module: string,
  exportName: string,
  inputsFile: string,
  resultFile: string,
): string[] {
  const dir = dirname(fileURLToPath(import.meta.url));
  const args = [module, exportName, inputsFile, resultFile];
  const compiled = join(dir, 'function-runner.js');
  if (existsSync(compiled)) return [process.execPath, compiled, ...args];
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return [process.execPath, '--import', tsxLoader, join(dir, 'function-runner.ts'), ...args];
}
