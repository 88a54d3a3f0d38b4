import { existsSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

import { functionRunnerCommand, stepFunction } from '../src/function-runner.js';
import { LocalExecutor } from '../src/local-executor.js';

const testDir = dirname(fileURLToPath(import.meta.url));
const fixture = join(testDir, 'fixtures', 'steps.ts');
const compiledRunner = join(testDir, '..', 'dist', 'function-runner.js');

describe('function runner', () => {
  const executor = new LocalExecutor({ concurrency: 2 });
  let dir: string;
  let counter = 0;

  beforeEach(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'ferry-function-runner-')));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterAll(() => executor.close());

  /** Runs `exportName` of `module` through the runner as a task; returns the result, the log and the result file path. */
  async function runStep(module: string, exportName: string, payload: unknown) {
    const id = ++counter;
    const inputsFile = join(dir, `inputs-${id}.json`);
    const resultFile = join(dir, 'out', `result-${id}.json`);
    await writeFile(inputsFile, JSON.stringify(payload));
    const logPath = join(dir, `task-${id}.log`);
    const command = functionRunnerCommand(module, exportName, inputsFile, resultFile);
    const running = await executor.start({ taskId: `fn-${id}`, command, env: {}, workingDir: dir, logPath });
    const result = await running.done;
    return { result, log: await readFile(logPath, 'utf8'), resultFile };
  }

  it('runs from the TypeScript source under tsx when there is no compiled runner next to it', () => {
    const command = functionRunnerCommand('m.ts', 'f', 'in.json', 'out.json');
    expect(command[0]).toBe(process.execPath);
    expect(command[1]).toBe('--import');
    expect(command[2]).toMatch(/^file:.*tsx/);
    expect(command[3]).toMatch(/function-runner\.ts$/);
    expect(command.slice(4)).toEqual(['m.ts', 'f', 'in.json', 'out.json']);
  });

  // The compiled runner registers tsx itself; it exists once the package is built (`npm test` builds first).
  it('runs a TypeScript step with the compiled runner', async () => {
    if (!existsSync(compiledRunner))
      throw new Error(`${compiledRunner} is missing: run \`npm run build\` first`);
    const inputsFile = join(dir, 'inputs.json');
    const resultFile = join(dir, 'result.json');
    await writeFile(inputsFile, JSON.stringify({ inputs: { a: 20, b: 22 }, outputs: {} }));
    const logPath = join(dir, 'compiled.log');
    const command = [process.execPath, compiledRunner, fixture, 'add', inputsFile, resultFile];
    const running = await executor.start({ taskId: 'compiled', command, env: {}, workingDir: dir, logPath });
    expect((await running.done).status, await readFile(logPath, 'utf8')).toBe('succeeded');
    expect(JSON.parse(await readFile(resultFile, 'utf8'))).toEqual({ sum: 42 });
  });

  it("calls a step object's run() with inputs and outputs, and writes its result", async () => {
    const modelPath = join(dir, 'artifacts', 'model.bin');
    const { result, log, resultFile } = await runStep(fixture, 'train', {
      inputs: { epochs: 3, label: 'iris' },
      outputs: { model: { path: modelPath, uri: 'file:///store/model.bin' } },
    });
    expect(result, log).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(JSON.parse(await readFile(resultFile, 'utf8'))).toEqual({
      accuracy: 0.9,
      modelUri: 'file:///store/model.bin',
    });
    expect(await readFile(modelPath, 'utf8')).toBe('weights:30');
    expect(log).toContain('training iris for 3 epochs');
  });

  it('calls a plain exported function, the module named relative to the working directory', async () => {
    await writeFile(
      join(dir, 'local-steps.mts'),
      `export const double = (i: { x: number }) => ({ y: i.x * 2 });\n`,
    );
    const { result, log, resultFile } = await runStep('./local-steps.mts', 'double', {
      inputs: { x: 21 },
      outputs: {},
    });
    expect(result.status, log).toBe('succeeded');
    expect(JSON.parse(await readFile(resultFile, 'utf8'))).toEqual({ y: 42 });

    // Outside a `"type": "module"` package a .ts file is CommonJS: its exports arrive under `default`.
    await writeFile(
      join(dir, 'cjs-steps.ts'),
      `export function triple(i: { x: number }) { return { y: i.x * 3 }; }\n`,
    );
    const cjs = await runStep(join(dir, 'cjs-steps.ts'), 'triple', { inputs: { x: 2 }, outputs: {} });
    expect(cjs.result.status, cjs.log).toBe('succeeded');
    expect(JSON.parse(await readFile(cjs.resultFile, 'utf8'))).toEqual({ y: 6 });

    const sum = await runStep(fixture, 'add', { inputs: { a: 2, b: 3 }, outputs: {} });
    expect(JSON.parse(await readFile(sum.resultFile, 'utf8'))).toEqual({ sum: 5 });
  });

  it('writes {} for a function returning nothing and exits despite open timers', async () => {
    const { result, resultFile } = await runStep(fixture, 'nothing', { inputs: {}, outputs: {} });
    expect(result.status).toBe('succeeded');
    expect(JSON.parse(await readFile(resultFile, 'utf8'))).toEqual({});
  });

  it('exits 1 with the stack in the log when the function throws', async () => {
    const { result, log } = await runStep(fixture, 'explode', { inputs: {}, outputs: {} });
    expect(result).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(log).toContain('Error: exploded on purpose');
    expect(log).toMatch(/\n\s+at .*explode/);
  });

  it('fails clearly for a missing or unusable export', async () => {
    const missing = await runStep(fixture, 'nope', { inputs: {}, outputs: {} });
    expect(missing.result.exitCode).toBe(1);
    expect(missing.log).toContain('no export named "nope"');
    const notAStep = await runStep(fixture, 'notAStep', { inputs: {}, outputs: {} });
    expect(notAStep.result.exitCode).toBe(1);
    expect(notAStep.log).toContain('neither a function nor a step');
  });
});

describe('stepFunction', () => {
  it('uses a step object’s run method, or a function itself', async () => {
    const ctx = { outputs: {}, log: () => {} };
    const step = {
      factor: 3,
      run(inputs: Record<string, unknown>) {
        return { v: (inputs.x as number) * this.factor };
      },
    };
    expect(await stepFunction({ step }, 'step')({ x: 2 }, ctx)).toEqual({ v: 6 });
    const fn = (inputs: Record<string, unknown>) => ({ echo: inputs });
    expect(stepFunction({ fn }, 'fn')({ a: 1 }, ctx)).toEqual({ echo: { a: 1 } });
    expect(() => stepFunction({}, 'gone')).toThrow(/no export/);
    expect(() => stepFunction({ x: { run: 1 } }, 'x')).toThrow(/neither/);
  });
});
