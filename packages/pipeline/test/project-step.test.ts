import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Dataset, PipelineCompileError, compilePipeline, parseSpec, pipeline, step } from '../src/index.js';
import type { PipelineSpec } from '../src/index.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('project steps', () => {
  it('compile to a project implementation whose inputs are the project parameters', async () => {
    const prepare = step({
      name: 'prepare',
      outputs: { data: Dataset },
      command: ['prep', '{{outputs.data}}'],
    });
    const train = step({
      name: 'train',
      inputs: { data: Dataset, alpha: z.number() },
      project: { uri: 'https://git.example/ml.git#churn', entryPoint: 'train', version: SHA },
    });
    const spec = await compilePipeline(
      pipeline({ name: 'p', parameters: { alpha: z.number().default(0.1) } }, ({ alpha }) => {
        const data = prepare({});
        train({ data: data.outputs.data, alpha });
      }),
    );
    const component = spec.tasks['train']!.component;
    expect(component.implementation).toEqual({
      project: { uri: 'https://git.example/ml.git#churn', entryPoint: 'train', version: SHA },
    });
    expect(component.outputs).toEqual({});
    // Pinned to a commit: cached like any step.
    expect(component.options).toBeUndefined();
    expect(parseSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it('are not cached unless pinned to a commit or told so', async () => {
    const compiled = async (
      project: { uri: string; version?: string },
      options?: { cache: { enabled: boolean } },
    ) => {
      const s = step({ name: 's', project, ...(options ? { options } : {}) });
      return (await compilePipeline(pipeline({ name: 'p' }, () => void s({})))).tasks['s']!.component.options;
    };
    expect(await compiled({ uri: './project' })).toEqual({ cache: { enabled: false } });
    expect(await compiled({ uri: 'https://git.example/ml.git', version: 'main' })).toEqual({
      cache: { enabled: false },
    });
    expect(await compiled({ uri: './project' }, { cache: { enabled: true } })).toEqual({
      cache: { enabled: true },
    });
  });

  it('refuse outputs, and a step with two kinds', () => {
    expect(() => step({ name: 'x', project: { uri: '.' }, outputs: { model: Dataset } } as never)).toThrow(
      "step 'x': a project step has no outputs",
    );
    expect(() => step({ name: 'y', project: { uri: '.' }, command: ['true'] } as never)).toThrow(
      "step 'y': give exactly one of command, run and project",
    );
  });

  it('a written spec: outputs and a malformed project are compile errors', () => {
    const written = (implementation: unknown, outputs: object = {}): PipelineSpec =>
      ({
        apiVersion: 'ferry.pipeline/v1',
        name: 'p',
        parameters: {},
        tasks: { t: { component: { name: 't', inputs: {}, outputs, implementation }, arguments: {} } },
      }) as unknown as PipelineSpec;
    const issues = (spec: PipelineSpec) => {
      try {
        parseSpec(spec);
      } catch (error) {
        expect(error).toBeInstanceOf(PipelineCompileError);
        return (error as PipelineCompileError).issues;
      }
      return [];
    };
    expect(issues(written({ project: { uri: '.', entryPoint: 'main' } }))).toEqual([]);
    expect(
      issues(written({ project: { uri: '.' } }, { m: { kind: 'parameter', schema: { type: 'number' } } })),
    ).toEqual([
      {
        path: 'tasks.t.component.outputs.m',
        message:
          "a project step has no outputs: what the project logs (metrics, artifacts) lands in the task's run",
      },
    ]);
    expect(issues(written({ project: { uri: '' } })).length).toBeGreaterThan(0);
    expect(issues(written({ project: { uri: '.', entry: 'x' } })).length).toBeGreaterThan(0);
  });
});
