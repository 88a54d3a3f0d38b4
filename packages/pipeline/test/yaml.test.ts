import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  canonicalJson,
  compilePipeline,
  Dataset,
  dumpSpec,
  loadSpec,
  parallelFor,
  pipeline,
  PipelineCompileError,
  specDigest,
  step,
} from '../src/index.js';

const handWritten = `
apiVersion: ferry.pipeline/v1
name: hello
parameters:
  who:
    schema: { type: string }
    default: world
tasks:
  greet:
    component:
      name: greet
      inputs:
        who: { kind: parameter, schema: { type: string } }
      outputs:
        text: { kind: artifact, type: Markdown }
      implementation:
        command: [sh, -c, 'echo "hello {{inputs.who}}" > {{outputs.text}}']
    arguments:
      who: { parameter: who }
    options:
      retry: { count: 1 }
`;

describe('YAML', () => {
  it('loads a pipeline written in YAML', () => {
    expect(loadSpec(handWritten)).toEqual({
      apiVersion: 'ferry.pipeline/v1',
      name: 'hello',
      parameters: { who: { schema: { type: 'string' }, default: 'world' } },
      tasks: {
        greet: {
          component: {
            name: 'greet',
            inputs: { who: { kind: 'parameter', schema: { type: 'string' } } },
            outputs: { text: { kind: 'artifact', type: 'Markdown' } },
            implementation: { command: ['sh', '-c', 'echo "hello {{inputs.who}}" > {{outputs.text}}'] },
          },
          arguments: { who: { parameter: 'who' } },
          options: { retry: { count: 1 } },
        },
      },
    });
  });

  it('validates what it loads', () => {
    const error = (() => {
      try {
        loadSpec(handWritten.replace('who: { parameter: who }', 'who: { parameter: whom }'));
      } catch (e) {
        return e as PipelineCompileError;
      }
    })();
    expect(error).toBeInstanceOf(PipelineCompileError);
    expect(error!.message).toBe("tasks.greet.arguments.who: unknown parameter 'whom' (parameters: who)");
    expect(() => loadSpec('a: [1')).toThrow(/^not valid YAML or JSON: /);
  });

  it('round-trips a compiled pipeline through YAML and JSON', async () => {
    const prep = step({ name: 'prep', outputs: { data: Dataset }, command: ['prep', '{{outputs.data}}'] });
    const use = step({
      name: 'use',
      inputs: { data: Dataset, x: z.number() },
      outputs: { y: z.number() },
      command: ['use', '{{inputs.data}}', '{{inputs.x}}', '{{outputs.y}}'],
    });
    const def = pipeline(
      { name: 'rt', parameters: { xs: z.array(z.number()).default([1, 2]) } },
      (params) => {
        const p = prep({});
        const loop = parallelFor(params.xs, (x) => ({ y: use({ data: p.outputs.data, x }).outputs.y }));
        return { ys: loop.outputs.y };
      },
    );
    const spec = await compilePipeline(def);
    const yaml = dumpSpec(spec, 'yaml');
    expect(yaml.startsWith('apiVersion: ferry.pipeline/v1\nname: rt\n')).toBe(true);
    expect(loadSpec(yaml)).toEqual(spec);
    const json = dumpSpec(spec, 'json');
    expect(JSON.parse(json)).toEqual(spec);
    expect(loadSpec(json)).toEqual(spec);
    expect(dumpSpec(spec)).toBe(yaml);
    expect(spec.outputs).toEqual({
      ys: {
        from: { task: 'loop', output: 'y' },
        kind: 'parameter',
        schema: { type: 'array', items: { type: 'number' } },
      },
    });
  });

  it('digests canonical JSON, whatever the key order', () => {
    const a = loadSpec(handWritten);
    const reordered = JSON.parse(
      JSON.stringify({ tasks: a.tasks, parameters: a.parameters, name: a.name, apiVersion: a.apiVersion }),
    );
    expect(specDigest(reordered)).toBe(specDigest(a));
    expect(specDigest(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(specDigest({ ...a, name: 'other' })).not.toBe(specDigest(a));
    expect(canonicalJson({ b: [1, { d: 1, c: undefined, a: null }], a: 'x' })).toBe(
      '{"a":"x","b":[1,{"a":null,"d":1}]}',
    );
  });
});
