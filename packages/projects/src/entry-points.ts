/**
 * Finding an entry point: one declared in MLproject, else a script of the project named by its file
 * (MLflow runs `.py` with python and `.sh` with $SHELL; Ferry adds `.js`/`.mjs` with node and
 * `.ts`/`.mts` with node and tsx's loader). Script entry points declare no parameters: every value
 * given is passed as `--key value`.
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectError } from './errors.js';
import { insideProject } from './project.js';
import type { Project } from './project.js';
import { shellQuote } from './quote.js';
import type { EntryPoint } from './spec.js';
import { parseTemplate } from './template.js';

export const DEFAULT_ENTRY_POINT = 'main';
const SCRIPT_EXTENSIONS = ['.py', '.sh', '.js', '.mjs', '.ts', '.mts'];

/**
 * tsx's loader as a file URL for `node --import`: resolved from this package's installation, so a
 * project needs no tsx of its own (the project folder may not even have node_modules).
 */
export function tsxLoaderUrl(): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    throw projectError('Running a TypeScript entry point needs the tsx package, which is not installed.');
  }
}

function scriptCommand(file: string, env: Record<string, string | undefined>): string {
  const quoted = shellQuote(file);
  switch (extname(file)) {
    case '.py':
      return `python ${quoted}`;
    case '.sh':
      return `${shellQuote(env.SHELL || 'bash')} ${quoted}`;
    case '.js':
    case '.mjs':
      return `node ${quoted}`;
    default:
      return `node --import ${shellQuote(tsxLoaderUrl())} ${quoted}`;
  }
}

export function entryPointFor(
  project: Project,
  name: string = DEFAULT_ENTRY_POINT,
  env: Record<string, string | undefined> = process.env,
): EntryPoint {
  const declared = project.entryPoints[name];
  if (declared) return declared;
  const known = Object.keys(project.entryPoints);
  const isScript = SCRIPT_EXTENSIONS.includes(extname(name));
  if (isScript && existsSync(insideProject(project.dir, name, 'Entry point'))) {
    const command = scriptCommand(name, env);
    // Braces in a file name are literal text, not placeholders.
    return { name, parameters: [], command, template: parseTemplate(command.replace(/[{}]/g, '$&$&'), name) };
  }
  throw projectError(
    `Unknown entry point '${name}'${project.file ? ` in ${project.file}` : ''}: ${
      known.length
        ? `the project declares ${known.map((k) => `'${k}'`).join(', ')}`
        : 'the project declares none'
    }${isScript ? `, and there is no file '${name}' in the project` : ''} (a script file ${SCRIPT_EXTENSIONS.join(', ')} can be run by its name).`,
  );
}
