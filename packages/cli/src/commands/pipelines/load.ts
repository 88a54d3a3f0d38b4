// Turning a file into a pipeline spec: a TypeScript/JavaScript module exporting a `pipeline()`
// definition (compiled here), or a YAML/JSON spec (validated). `@ferry/pipeline` and tsx are loaded on
// first use, so other `ferry` commands start without them.
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PipelineSpec } from '@ferry/pipeline';

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);
const JS_EXTENSIONS = new Set(['.js', '.mjs', '.cjs']);
const SPEC_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

let tsxRegistered = false;

/** Lets `import()` load TypeScript (tsx's ESM loader), once per process. */
async function registerTypeScript(): Promise<void> {
  if (tsxRegistered) return;
  const { register } = await import('tsx/esm/api');
  register();
  tsxRegistered = true;
}

/** An error whose message says which file failed and lists the compile issues, one per line. */
function compileFailure(file: string, error: unknown, otherwise = 'cannot compile'): Error {
  const err = error instanceof Error ? error : new Error(String(error));
  if (err.name === 'PipelineCompileError') {
    const lines = err.message.split('\n').map((line) => `  ${line}`);
    return new Error(`${file} does not compile:\n${lines.join('\n')}`);
  }
  return new Error(`${otherwise} ${file}: ${err.message}`);
}

/**
 * The pipeline definition a module exports: the export named `exportName`; else the `default` export
 * when it is a pipeline; else the only export that is one.
 */
export async function pipelineExportOf(
  module: Record<string, unknown>,
  file: string,
  exportName?: string,
): Promise<unknown> {
  const { isPipelineDef } = await import('@ferry/pipeline');
  const pipelines = Object.keys(module).filter((name) => isPipelineDef(module[name]));
  const known = pipelines.length ? ` (pipelines exported: ${pipelines.join(', ')})` : '';
  if (exportName !== undefined) {
    if (!(exportName in module)) throw new Error(`${file} has no export '${exportName}'${known}`);
    if (!isPipelineDef(module[exportName])) {
      throw new Error(`export '${exportName}' of ${file} is not a pipeline definition${known}`);
    }
    return module[exportName];
  }
  if (pipelines.includes('default')) return module.default;
  if (pipelines.length === 1) return module[pipelines[0]!];
  if (pipelines.length === 0) {
    throw new Error(`${file} exports no pipeline definition (what pipeline() from @ferry/pipeline returns)`);
  }
  throw new Error(`${file} exports several pipelines: ${pipelines.join(', ')}; choose one with --export`);
}

/** The validated spec of a file: compiled from a module's pipeline, or loaded from YAML/JSON. */
export async function loadPipelineFile(
  file: string,
  options: { export?: string } = {},
): Promise<PipelineSpec> {
  const path = resolve(file);
  const ext = extname(path).toLowerCase();
  const pipelineModule = await import('@ferry/pipeline');
  if (SPEC_EXTENSIONS.has(ext)) {
    if (options.export !== undefined)
      throw new Error('--export applies to TypeScript/JavaScript modules only');
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    });
    try {
      return pipelineModule.loadSpec(text);
    } catch (error) {
      throw compileFailure(file, error);
    }
  }
  if (!TS_EXTENSIONS.has(ext) && !JS_EXTENSIONS.has(ext)) {
    throw new Error(`cannot compile ${file}: expected a .ts/.mts/.js/.mjs module or a .yaml/.yml/.json spec`);
  }
  await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  if (TS_EXTENSIONS.has(ext)) await registerTypeScript();
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw compileFailure(file, error, 'cannot load');
  }
  const def = await pipelineExportOf(module, file, options.export);
  try {
    return await pipelineModule.compilePipeline(def as Parameters<typeof pipelineModule.compilePipeline>[0]);
  } catch (error) {
    throw compileFailure(file, error);
  }
}
