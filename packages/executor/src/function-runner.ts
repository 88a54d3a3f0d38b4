/**
 * Runs a function step as an ordinary command, so every executor runs function and command steps alike:
 *
 *   node function-runner.js <module> <export> <inputs.json> <result.json>
 *
 * It imports the module (TypeScript through tsx's loader), reads `{ inputs, outputs }` from the inputs
 * file (`outputs` maps each output name to `{ path, uri }`, where the step writes artifacts), calls
 * `fn(inputs, { outputs, log })`, writes the returned object as JSON to the result file and exits 0.
 * A thrown error prints its stack to stderr (the task log) and exits 1.
 *
 * `<module>` is a file path (relative to the working directory, or absolute), a file: URL, or a
 * package name resolved from this runner's installation.
 */

import { realpathSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export { functionRunnerCommand } from './function-runner-command.js';

/** What the inputs file holds. */
export interface FunctionRunnerInputs {
  inputs: Record<string, unknown>;
  outputs: Record<string, { path: string; uri: string }>;
}

/** The second argument a step function receives. */
export interface FunctionRunnerContext {
  outputs: FunctionRunnerInputs['outputs'];
  /** Writes a line to the task log. */
  log: (...args: unknown[]) => void;
}

type StepFunction = (inputs: Record<string, unknown>, ctx: FunctionRunnerContext) => unknown;

const here = fileURLToPath(import.meta.url);

/**
 * The callable a module exports under `exportName`: a step object's `run` method, or a plain function.
 * Mirrors @ferry/pipeline's getStepFunction convention for function steps.
 */
export function stepFunction(namespace: Record<string, unknown>, exportName: string): StepFunction {
  const value = namespace[exportName];
  if (value === undefined) throw new Error(`the module has no export named ${JSON.stringify(exportName)}`);
  // A DSL step is itself callable (inside pipeline bodies): its `run` is the function to call.
  const hasRun = (typeof value === 'object' || typeof value === 'function') && value !== null;
  if (hasRun && typeof (value as { run?: unknown }).run === 'function') {
    const step = value as { run: StepFunction };
    return (inputs, ctx) => step.run(inputs, ctx);
  }
  if (typeof value === 'function') return value as StepFunction;
  throw new Error(
    `export ${JSON.stringify(exportName)} is neither a function nor a step with a run() method`,
  );
}

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

function moduleSpecifier(module: string): string {
  if (module.startsWith('file:')) return module;
  if (isAbsolute(module) || module.startsWith('.')) return pathToFileURL(resolve(module)).href;
  return module;
}

async function main(argv: string[]): Promise<void> {
  const [module, exportName, inputsFile, resultFile] = argv;
  if (!module || !exportName || !inputsFile || !resultFile) {
    throw new Error('usage: function-runner <module> <export> <inputs.json> <result.json>');
  }
  const specifier = moduleSpecifier(module);
  const path = specifier.startsWith('file:') ? fileURLToPath(specifier) : module;
  // Running from the TypeScript source means tsx's loader is already in place.
  if (TS_EXTENSIONS.has(extname(path)) && !TS_EXTENSIONS.has(extname(here))) {
    // Both hooks: a .ts file outside a `"type": "module"` package is CommonJS, possibly requiring others.
    const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
    esm.register();
    cjs.register();
  }
  let namespace = (await import(specifier)) as Record<string, unknown>;
  // A CommonJS module (TypeScript compiled as such included) has its exports under `default`.
  const fallback = namespace.default;
  if (
    !(exportName in namespace) &&
    typeof fallback === 'object' &&
    fallback !== null &&
    exportName in fallback
  ) {
    namespace = fallback as Record<string, unknown>;
  }
  const fn = stepFunction(namespace, exportName);
  const { inputs, outputs } = JSON.parse(await readFile(inputsFile, 'utf8')) as FunctionRunnerInputs;
  const ctx: FunctionRunnerContext = { outputs: outputs ?? {}, log: (...args) => console.log(...args) };
  const result = await fn(inputs ?? {}, ctx);
  await mkdir(dirname(resultFile), { recursive: true });
  await writeFile(resultFile, JSON.stringify(result ?? {}));
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(here);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    // Exit even if the step left timers or sockets open: its result is written.
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
