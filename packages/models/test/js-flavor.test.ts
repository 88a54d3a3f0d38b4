import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadModel, saveModel, tensor } from '../src/index.js';
import { describeFlavor } from './flavor-suite.js';

const fixture = join(import.meta.dirname, 'fixtures', 'js-linear');

describeFlavor('js_function', {
  flavor: 'js_function',
  model: () => ({ flavor: 'js', module: join(fixture, 'predict.js'), code: [join(fixture, 'weights.js')] }),
  files: ['code/predict.js', 'code/weights.js', 'package.json'],
  checkBlocks(flavors) {
    expect(flavors).toEqual({
      js_function: {
        code: 'code',
        module: 'code/predict.js',
        node_version: process.versions.node,
        package_json: 'package.json',
      },
    });
  },
});

describe('js_function flavor', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ferry-js-'));
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('records the installed versions of the npm packages the module uses', async () => {
    const dir = join(base, 'model');
    await saveModel(dir, {
      flavor: 'js',
      module: join(fixture, 'predict.js'),
      code: [join(fixture, 'weights.js')],
      dependencies: ['yaml', 'protobufjs'],
    });
    const yamlVersion = JSON.parse(
      await readFile(join(import.meta.dirname, '../../../node_modules/yaml/package.json'), 'utf8'),
    ).version;
    expect(JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))).toEqual({
      name: 'ferry-model',
      private: true,
      type: 'module',
      dependencies: { protobufjs: '8.8.1', yaml: yamlVersion },
    });
  });

  it('refuses a dependency that is not installed, and removes the half-written model', async () => {
    const dir = join(base, 'model');
    const save = saveModel(dir, {
      flavor: 'js',
      module: join(fixture, 'predict.js'),
      dependencies: ['not-installed-pkg'],
    });
    await expect(save).rejects.toThrow("The npm package 'not-installed-pkg' is not installed");
    await expect(readFile(join(dir, 'MLmodel'))).rejects.toThrow();
  });

  it('imports the module afresh on every load', async () => {
    const module = join(base, 'counter.js');
    await writeFile(module, 'let calls = 0;\nexport const predict = () => ++calls;\n');
    const dir = join(base, 'model');
    await saveModel(dir, { flavor: 'js', module });
    const input = tensor('float32', [1], [0]);
    const first = await loadModel(dir);
    expect([await first.predict(input), await first.predict(input)]).toEqual([1, 2]);
    const second = await loadModel(dir);
    expect(await second.predict(input)).toBe(1);
  });

  it('fails clearly when the module exports no predict function', async () => {
    const module = join(base, 'empty.js');
    await writeFile(module, 'export const other = 1;\n');
    const dir = join(base, 'model');
    await saveModel(dir, { flavor: 'js', module });
    await expect(loadModel(dir)).rejects.toThrow(
      "The js_function model module 'code/empty.js' does not export a predict function",
    );
  });

  it('passes params enforced by the params schema', async () => {
    const dir = join(base, 'model');
    await saveModel(
      dir,
      { flavor: 'js', module: join(fixture, 'predict.js'), code: [join(fixture, 'weights.js')] },
      { signature: { params: [{ name: 'scale', type: 'double', default: 1, shape: null }] } },
    );
    const model = await loadModel(dir);
    const x = tensor('float32', [1, 4], [1, 1, 1, 1]);
    expect(await model.predict(x)).toMatchObject({ tensors: { y: { data: new Float32Array([10.5]) } } });
    expect(await model.predict(x, { scale: 2 })).toMatchObject({
      tensors: { y: { data: new Float32Array([21]) } },
    });
    await expect(model.predict(x, { scale: 'big' })).rejects.toThrow(
      "Invalid parameters found: {('scale', \"Failed to validate type and shape for 'scale': double (default: 1), " +
        "error: Can not safely convert `<class 'str'>` to `DataType.double` for value `big`\")}",
    );
  });
});
