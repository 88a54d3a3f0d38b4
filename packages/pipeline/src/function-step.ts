import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { fail } from './graph.js';
import type { Step } from './step.js';

/**
 * Where a function step's code is: imports its module (the `module` the author gave, normally
 * `import.meta.url`), finds the export whose value is the step and hashes the module file.
 */
export async function resolveFunctionStep(
  step: Step,
  name: string,
  module: string,
): Promise<{ module: string; export: string; codeDigest: string }> {
  if (!module.startsWith('file:'))
    fail(`step '${name}': module must be a file: URL (pass import.meta.url), got '${module}'`);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(module)) as Record<string, unknown>;
  } catch (error) {
    fail(`step '${name}': cannot import its module ${module}: ${(error as Error).message}`);
  }
  const exportName = Object.keys(namespace).find((key) => namespace[key] === step);
  if (exportName === undefined) {
    fail(
      `step '${name}' is not exported from its module ${module}; export it (export const ... = step(...))`,
    );
  }
  const code = await readFile(fileURLToPath(module));
  return { module, export: exportName, codeDigest: createHash('sha256').update(code).digest('hex') };
}
