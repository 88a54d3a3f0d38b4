import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compilePipeline, Dataset, getStepFunction, Model, step } from '../src/index.js';
import { usesHidden, usesTrain } from './fixtures/pipelines.js';
import * as steps from './fixtures/steps.js';

const stepsUrl = new URL('./fixtures/steps.ts', import.meta.url).href;

describe('function steps', () => {
  it('reports a missing required input of a function step', async () => {
    const spec = await compilePipeline(usesTrain).catch((e: Error) => e);
    expect((spec as Error).message).toBe(
      "tasks.train.arguments.data: missing required input 'data' of component 'train'",
    );
  });

  it('finds the export, records the module URL and hashes the module file', async () => {
    const { pipeline, Dataset } = await import('../src/index.js');
    const prep = step({ name: 'prep', outputs: { data: Dataset }, command: ['prep', '{{outputs.data}}'] });
    const def = pipeline({ name: 'fn' }, () => {
      steps.train({ data: prep({}).outputs.data });
    });
    const spec = await compilePipeline(def);
    const digest = createHash('sha256')
      .update(await readFile(new URL('./fixtures/steps.ts', import.meta.url)))
      .digest('hex');
    expect(spec.tasks['train']!.component.implementation).toEqual({
      function: { module: stepsUrl, export: 'train', codeDigest: digest },
    });
    expect(spec.tasks['train']!.component.outputs).toEqual({
      model: { kind: 'artifact', type: 'Model' },
      accuracy: { kind: 'parameter', schema: { type: 'number' } },
    });
  });

  it('names a step that its module does not export', async () => {
    await expect(compilePipeline(usesHidden)).rejects.toThrow(
      `step 'hidden' is not exported from its module ${stepsUrl}; export it (export const ... = step(...))`,
    );
  });

  it('rejects a module that is not a file URL', async () => {
    const { pipeline } = await import('../src/index.js');
    const remote = step({ name: 'remote', module: 'https://example.com/x.js', run: () => ({}) });
    const def = pipeline({ name: 'r' }, () => {
      remote({});
    });
    await expect(compilePipeline(def)).rejects.toThrow(
      "step 'remote': module must be a file: URL (pass import.meta.url), got 'https://example.com/x.js'",
    );
  });

  it('types run inputs, the context and the outputs', () => {
    const typed = step({
      name: 'typed',
      module: 'file:///nowhere.js',
      inputs: { n: z.number(), d: Dataset },
      outputs: { m: Model, a: z.number() },
      run: (inputs, ctx) => {
        const n: number = inputs.n;
        const path: string = inputs.d.path;
        const uri: string = ctx.outputs.m.uri;
        ctx.log(`${path} ${uri}`);
        return { a: n };
      },
    });
    expect(typed.run).toBeTypeOf('function');
    step({
      name: 'untyped',
      module: 'file:///nowhere.js',
      outputs: { a: z.number() },
      // @ts-expect-error the parameter output `a` must be returned
      run: () => ({}),
    });
  });

  it('getStepFunction returns the run function a runner calls', async () => {
    const run = getStepFunction(steps, 'train');
    const logs: string[] = [];
    const result = await run(
      { data: { path: '/tmp/data', uri: 'file:///tmp/data' }, lr: 0.2 },
      { outputs: { model: { path: '/tmp/model', uri: 'file:///tmp/model' } }, log: (m) => logs.push(m) },
    );
    expect(result).toEqual({ accuracy: 0.9 });
    expect(logs).toEqual(['training on /tmp/data with lr 0.2']);
  });

  it('getStepFunction rejects missing exports and command steps', () => {
    const cmd = step({ name: 'cmd', inputs: { n: z.number() }, command: ['echo', '{{inputs.n}}'] });
    expect(() => getStepFunction(steps, 'nope')).toThrow("the module has no export 'nope'");
    expect(() => getStepFunction({ cmd }, 'cmd')).toThrow(
      "export 'cmd' is a command step, not a function step",
    );
    expect(() => getStepFunction({ x: 1 }, 'x')).toThrow("export 'x' is not a step or function");
  });
});
