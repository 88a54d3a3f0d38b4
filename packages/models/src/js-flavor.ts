import { cp, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { invalidParam } from '@ferry/core';
import type { Flavor } from './flavor.js';
import { modelFilePath } from './model-path.js';
import type { ModelInput, ModelOutput } from './model-input.js';
import { installedVersions } from './npm-dependencies.js';

export const JS_FLAVOR = 'js_function';
const CODE_DIR = 'code';
const PACKAGE_JSON = 'package.json';

/** What to save as a `js_function` model. */
export interface JsModelSpec {
  flavor: 'js';
  /** The ES module exporting `predict(input, params)` (sync or async). */
  module: string;
  /**
   * Files or directories the module imports by relative path; each is copied, by its base name, beside
   * the module, so imports between siblings keep working.
   */
  code?: string[];
  /** npm packages the module imports, recorded in the model's `package.json` at their installed versions. */
  dependencies?: string[];
  /** Where those packages are installed (resolved as Node would from here); default: the module's directory. */
  resolveFrom?: string;
}

/** The contract of the module a `js_function` model runs. */
export interface JsModelModule {
  predict(input: ModelInput, params: Record<string, unknown>): ModelOutput | Promise<ModelOutput>;
}

let loads = 0;

/**
 * Ferry's own flavor: a JavaScript ES module copied into `code/`, its npm dependencies pinned in a
 * `package.json` at the model root (which also makes the `.js` files ES modules), and this block:
 * `js_function: {code: code, module: code/<file>, node_version: <version>, package_json: package.json}`.
 * The MLmodel has no `python_function` block: MLflow lists and downloads such a model, but its
 * `pyfunc.load_model` refuses it. Before loading a model with dependencies elsewhere, install them in
 * the model directory (`npm install`). Each load imports the module afresh; modules it imports by
 * relative path are cached by Node per directory.
 */
export const jsFlavor: Flavor<JsModelSpec> = {
  name: JS_FLAVOR,

  async save(spec, dir) {
    const codeDir = join(dir, CODE_DIR);
    await mkdir(codeDir, { recursive: true });
    for (const path of [spec.module, ...(spec.code ?? [])]) {
      await cp(path, join(codeDir, basename(path)), { recursive: true, errorOnExist: true, force: false });
    }
    const dependencies = spec.dependencies?.length
      ? await installedVersions(spec.dependencies, spec.resolveFrom ?? dirname(spec.module))
      : undefined;
    const manifest = {
      name: 'ferry-model',
      private: true,
      type: 'module',
      ...(dependencies ? { dependencies } : {}),
    };
    await writeFile(join(dir, PACKAGE_JSON), JSON.stringify(manifest, null, 2) + '\n');
    return {
      flavors: {
        [JS_FLAVOR]: {
          code: CODE_DIR,
          module: `${CODE_DIR}/${basename(spec.module)}`,
          node_version: process.versions.node,
          package_json: PACKAGE_JSON,
        },
      },
    };
  },

  canLoad(config) {
    return JS_FLAVOR in config.flavors;
  },

  async load(dir, config) {
    const module = config.flavors[JS_FLAVOR]?.['module'];
    if (typeof module !== 'string')
      throw invalidParam(`The ${JS_FLAVOR} block of the MLmodel names no module`);
    const url = pathToFileURL(modelFilePath(dir, module));
    // A query makes the import a new module instance, so a model reloaded from the same path is fresh.
    url.searchParams.set('ferry-load', String(++loads));
    const loaded = (await import(url.href)) as Partial<JsModelModule>;
    if (typeof loaded.predict !== 'function') {
      throw invalidParam(`The ${JS_FLAVOR} model module '${module}' does not export a predict function`);
    }
    const predict = loaded.predict.bind(loaded);
    return { predict: async (input, params) => predict(input, params) };
  },
};
