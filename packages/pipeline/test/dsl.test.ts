import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  compilePipeline,
  condition,
  Dataset,
  exitHandler,
  Metrics,
  Model,
  parallelFor,
  pipeline,
  PipelineCompileError,
  runStatus,
  step,
  type ComponentSpec,
} from '../src/index.js';

const prep = step({
  name: 'prep',
  description: 'Makes a dataset',
  inputs: { rows: z.number().int() },
  outputs: { data: Dataset },
  command: ['prep', '--rows', '{{inputs.rows}}', '--out', '{{outputs.data}}'],
  options: { image: 'ferry/prep:1', retry: { count: 2 } },
});
const train = step({
  name: 'train',
  inputs: { data: Dataset, lr: z.number().default(0.1) },
  outputs: { model: Model, accuracy: z.number() },
  command: ['train', '{{inputs.data}}', '--lr', '{{inputs.lr}}', '--out', '{{outputs.model}}'],
});
const notify = step({
  name: 'notify',
  inputs: { message: z.string().describe('what to say').optional() },
  command: ['notify', '{{inputs.message}}'],
});
const pick = step({
  name: 'pick',
  inputs: { scores: z.array(z.number()) },
  outputs: { best: z.number() },
  command: ['pick', '{{inputs.scores}}', '{{outputs.best}}'],
});

const prepComponent: ComponentSpec = {
  name: 'prep',
  description: 'Makes a dataset',
  inputs: { rows: { kind: 'parameter', schema: { type: 'integer' } } },
  outputs: { data: { kind: 'artifact', type: 'Dataset' } },
  implementation: { command: ['prep', '--rows', '{{inputs.rows}}', '--out', '{{outputs.data}}'] },
  options: { image: 'ferry/prep:1', retry: { count: 2 } },
};
const trainComponent: ComponentSpec = {
  name: 'train',
  inputs: {
    data: { kind: 'artifact', type: 'Dataset' },
    lr: { kind: 'parameter', schema: { default: 0.1, type: 'number' }, default: 0.1 },
  },
  outputs: {
    model: { kind: 'artifact', type: 'Model' },
    accuracy: { kind: 'parameter', schema: { type: 'number' } },
  },
  implementation: {
    command: ['train', '{{inputs.data}}', '--lr', '{{inputs.lr}}', '--out', '{{outputs.model}}'],
  },
};
const notifyComponent: ComponentSpec = {
  name: 'notify',
  inputs: {
    message: {
      kind: 'parameter',
      schema: { type: 'string', description: 'what to say' },
      description: 'what to say',
      optional: true,
    },
  },
  outputs: {},
  implementation: { command: ['notify', '{{inputs.message}}'] },
};
const pickComponent: ComponentSpec = {
  name: 'pick',
  inputs: { scores: { kind: 'parameter', schema: { type: 'array', items: { type: 'number' } } } },
  outputs: { best: { kind: 'parameter', schema: { type: 'number' } } },
  implementation: { command: ['pick', '{{inputs.scores}}', '{{outputs.best}}'] },
};

describe('compilePipeline', () => {
  it('compiles steps, parameters, references, after(), options() and names', async () => {
    const def = pipeline(
      {
        name: 'basic',
        description: 'Prep then train twice',
        parameters: { rows: z.number().int().default(1000), lr: z.number().describe('learning rate') },
      },
      (params) => {
        const p = prep({ rows: params.rows });
        const a = train({ data: p.outputs.data, lr: params.lr });
        const b = train({ data: p.outputs.data }).after(a).options({ timeoutMs: 60_000 });
        notify({ message: 'done' }).named('announce').after(a, b);
      },
    );
    expect(await compilePipeline(def)).toEqual({
      apiVersion: 'ferry.pipeline/v1',
      name: 'basic',
      description: 'Prep then train twice',
      parameters: {
        rows: { schema: { default: 1000, type: 'integer' }, default: 1000 },
        lr: { schema: { type: 'number', description: 'learning rate' }, description: 'learning rate' },
      },
      tasks: {
        prep: { component: prepComponent, arguments: { rows: { parameter: 'rows' } } },
        train: {
          component: trainComponent,
          arguments: { data: { taskOutput: { task: 'prep', output: 'data' } }, lr: { parameter: 'lr' } },
        },
        'train-2': {
          component: trainComponent,
          arguments: { data: { taskOutput: { task: 'prep', output: 'data' } } },
          dependsOn: ['train'],
          options: { timeoutMs: 60_000 },
        },
        announce: {
          component: notifyComponent,
          arguments: { message: { constant: 'done' } },
          dependsOn: ['train', 'train-2'],
        },
      },
    });
  });

  it('compiles conditions to when: nested ones with and, else with not', async () => {
    const def = pipeline({ name: 'cond', parameters: { mode: z.string() } }, (params) => {
      const t = train({ data: prep({ rows: 10 }).outputs.data });
      condition(
        t.outputs.accuracy,
        '>=',
        0.9,
        () => {
          notify({ message: 'good' });
          condition(params.mode, '==', 'loud', () => notify({ message: 'GOOD' }));
        },
        () => notify({ message: 'bad' }),
      );
    });
    const spec = await compilePipeline(def);
    const high = {
      op: '>=',
      left: { taskOutput: { task: 'train', output: 'accuracy' } },
      right: { constant: 0.9 },
    };
    const loud = { op: '==', left: { parameter: 'mode' }, right: { constant: 'loud' } };
    expect(spec.tasks['notify']!.when).toEqual(high);
    expect(spec.tasks['notify-2']!.when).toEqual({ and: [high, loud] });
    expect(spec.tasks['notify-3']!.when).toEqual({ not: high });
    expect(spec.tasks['prep']!.when).toBeUndefined();
    expect(spec.tasks['notify-3']!.arguments).toEqual({ message: { constant: 'bad' } });
  });

  it('compiles parallelFor into a forEach task running a nested pipeline, with captures and fan-in', async () => {
    const def = pipeline(
      { name: 'sweep', parameters: { lrs: z.array(z.number()), rows: z.number().int() } },
      (params) => {
        const p = prep({ rows: params.rows });
        const loop = parallelFor(params.lrs, { parallelism: 2 }, (lr) => {
          const t = train({ data: p.outputs.data, lr });
          return { accuracy: t.outputs.accuracy };
        });
        pick({ scores: loop.outputs.accuracy });
      },
    );
    const spec = await compilePipeline(def);
    expect(spec.tasks['loop']).toEqual({
      component: {
        name: 'loop',
        inputs: {
          'prep-data': { kind: 'artifact', type: 'Dataset' },
          item: { kind: 'parameter', schema: { type: 'number' } },
        },
        outputs: { accuracy: { kind: 'parameter', schema: { type: 'number' } } },
        implementation: {
          pipeline: {
            apiVersion: 'ferry.pipeline/v1',
            name: 'loop',
            parameters: { 'prep-data': { schema: {} }, item: { schema: { type: 'number' } } },
            tasks: {
              train: {
                component: trainComponent,
                arguments: { data: { parameter: 'prep-data' }, lr: { parameter: 'item' } },
              },
            },
            outputs: {
              accuracy: {
                from: { task: 'train', output: 'accuracy' },
                kind: 'parameter',
                schema: { type: 'number' },
              },
            },
          },
        },
      },
      arguments: {
        'prep-data': { taskOutput: { task: 'prep', output: 'data' } },
        item: { loopItem: {} },
      },
      forEach: { items: { parameter: 'lrs' }, parallelism: 2 },
    });
    expect(spec.tasks['pick']).toEqual({
      component: pickComponent,
      arguments: { scores: { taskOutput: { task: 'loop', output: 'accuracy' } } },
    });
  });

  it('compiles loop item fields, constant items, outer parameters and nested loops', async () => {
    const def = pipeline({ name: 'grid', parameters: { rows: z.number().int() } }, (params) => {
      parallelFor([{ lr: 0.1 }, { lr: 0.2 }], (cfg) => {
        parallelFor([1, 2, 3], (seed) => {
          const p = prep({ rows: params.rows });
          train({ data: p.outputs.data, lr: cfg.field('lr') });
          notify({ message: 'seed' }).after(p);
          condition(seed, '>', 1, () => notify({}));
        });
      });
    });
    const spec = await compilePipeline(def);
    const outer = spec.tasks['loop']!;
    expect(outer.forEach).toEqual({ items: { constant: [{ lr: 0.1 }, { lr: 0.2 }] } });
    expect(outer.arguments).toEqual({
      rows: { parameter: 'rows' },
      'item-lr': { loopItem: { field: 'lr' } },
    });
    expect(outer.component.inputs).toEqual({
      rows: { kind: 'parameter', schema: { type: 'integer' } },
      'item-lr': { kind: 'parameter', schema: {} },
    });
    const outerBody =
      'pipeline' in outer.component.implementation ? outer.component.implementation.pipeline : undefined;
    const inner = outerBody!.tasks['loop']!;
    expect(inner.forEach).toEqual({ items: { constant: [1, 2, 3] } });
    expect(inner.arguments).toEqual({
      rows: { parameter: 'rows' },
      'item-lr': { parameter: 'item-lr' },
      item: { loopItem: {} },
    });
    const innerBody =
      'pipeline' in inner.component.implementation ? inner.component.implementation.pipeline : undefined;
    expect(innerBody!.parameters).toEqual({
      rows: { schema: { type: 'integer' } },
      'item-lr': { schema: {} },
      item: { schema: { type: 'integer' } },
    });
    expect(innerBody!.tasks['train']!.arguments).toEqual({
      data: { taskOutput: { task: 'prep', output: 'data' } },
      lr: { parameter: 'item-lr' },
    });
    expect(innerBody!.tasks['notify']!.dependsOn).toEqual(['prep']);
    expect(innerBody!.tasks['notify-2']!.when).toEqual({
      op: '>',
      left: { parameter: 'item' },
      right: { constant: 1 },
    });
  });

  it('loops over a task output, under a condition, capturing condition operands', async () => {
    const list = step({
      name: 'list',
      outputs: { configs: z.array(z.object({ lr: z.number() })) },
      command: ['list', '{{outputs.configs}}'],
    });
    const def = pipeline({ name: 'dyn', parameters: { min: z.number(), on: z.boolean() } }, (params) => {
      const l = list({});
      condition(params.on, '==', true, () => {
        parallelFor(l.outputs.configs, (cfg) => {
          condition(cfg.field('lr'), '>', params.min, () => notify({ message: 'big' }));
        });
      });
    });
    const spec = await compilePipeline(def);
    const loop = spec.tasks['loop']!;
    expect(loop.when).toEqual({ op: '==', left: { parameter: 'on' }, right: { constant: true } });
    expect(loop.forEach).toEqual({ items: { taskOutput: { task: 'list', output: 'configs' } } });
    expect(loop.arguments).toEqual({ 'item-lr': { loopItem: { field: 'lr' } }, min: { parameter: 'min' } });
    expect(loop.component.inputs).toEqual({
      min: { kind: 'parameter', schema: { type: 'number' } },
      'item-lr': { kind: 'parameter', schema: { type: 'number' } },
    });
    const body =
      'pipeline' in loop.component.implementation ? loop.component.implementation.pipeline : undefined;
    expect(body!.tasks['notify']!.when).toEqual({
      op: '>',
      left: { parameter: 'item-lr' },
      right: { parameter: 'min' },
    });
  });

  it('compiles a pipeline used as a step into a task running the nested pipeline', async () => {
    const trainPipeline = pipeline(
      { name: 'prep-and-train', description: 'both', parameters: { rows: z.number().int().default(5) } },
      (params) => {
        const p = prep({ rows: params.rows });
        const t = train({ data: p.outputs.data });
        return { model: t.outputs.model, accuracy: t.outputs.accuracy };
      },
    );
    const evaluate = step({
      name: 'evaluate',
      inputs: { model: Model },
      outputs: { metrics: Metrics },
      command: ['eval', '{{inputs.model}}', '{{outputs.metrics}}'],
    });
    const outer = pipeline({ name: 'outer' }, () => {
      const sub = trainPipeline({ rows: 50 });
      evaluate({ model: sub.outputs.model });
    });
    const spec = await compilePipeline(outer);
    expect(spec.parameters).toEqual({});
    expect(spec.tasks['evaluate']!.arguments).toEqual({
      model: { taskOutput: { task: 'prep-and-train', output: 'model' } },
    });
    const task = spec.tasks['prep-and-train']!;
    expect(task.arguments).toEqual({ rows: { constant: 50 } });
    expect(task.component).toEqual({
      name: 'prep-and-train',
      description: 'both',
      inputs: { rows: { kind: 'parameter', schema: { default: 5, type: 'integer' }, default: 5 } },
      outputs: {
        model: { kind: 'artifact', type: 'Model' },
        accuracy: { kind: 'parameter', schema: { type: 'number' } },
      },
      implementation: { pipeline: await compilePipeline(trainPipeline) },
    });
    expect(await compilePipeline(trainPipeline)).toMatchObject({
      outputs: {
        model: { from: { task: 'train', output: 'model' }, kind: 'artifact', type: 'Model' },
        accuracy: {
          from: { task: 'train', output: 'accuracy' },
          kind: 'parameter',
          schema: { type: 'number' },
        },
      },
    });
  });

  it('compiles exitHandler and runStatus', async () => {
    const def = pipeline({ name: 'exit' }, () => {
      prep({ rows: 1 });
      exitHandler(() => notify({ message: runStatus() }));
    });
    const spec = await compilePipeline(def);
    expect(spec.exitTask).toBe('notify');
    expect(spec.tasks['notify']).toEqual({
      component: notifyComponent,
      arguments: { message: { runStatus: {} } },
    });
  });
});

describe('DSL errors', () => {
  it('rejects steps called outside a pipeline body', () => {
    expect(() => prep({ rows: 1 })).toThrow("step 'prep' called outside a pipeline body");
  });

  it('rejects an exitHandler creating other than one task', async () => {
    const def = pipeline({ name: 'x' }, () => {
      exitHandler(() => {
        notify({});
        notify({});
      });
    });
    await expect(compilePipeline(def)).rejects.toThrow(
      'exitHandler(): the body must create exactly one task (it created 2)',
    );
  });

  it('rejects a second exitHandler', async () => {
    const def = pipeline({ name: 'x' }, () => {
      exitHandler(() => notify({}));
      exitHandler(() => notify({}));
    });
    await expect(compilePipeline(def)).rejects.toThrow("pipeline 'x' already has an exit handler");
  });

  it('rejects references from another pipeline', async () => {
    let leaked: ReturnType<typeof prep> | undefined;
    const first = pipeline({ name: 'first' }, () => {
      leaked = prep({ rows: 1 });
    });
    await compilePipeline(first);
    const second = pipeline({ name: 'second' }, () => {
      train({ data: leaked!.outputs.data });
    });
    await expect(compilePipeline(second)).rejects.toThrow(
      "task 'train' argument 'data': an output of task 'prep' of pipeline 'first' used in pipeline 'second'",
    );
  });

  it('rejects async bodies, duplicate names and bad outputs', async () => {
    const asyncBody = pipeline({ name: 'async' }, async () => {});
    await expect(compilePipeline(asyncBody)).rejects.toThrow("the body of 'async' must not be async");
    const dup = pipeline({ name: 'dup' }, () => {
      prep({ rows: 1 });
      prep({ rows: 2 }).named('prep');
    });
    await expect(compilePipeline(dup)).rejects.toThrow("task name 'prep' is already used");
    const badOut = pipeline({ name: 'bad', parameters: { n: z.number() } }, (params) => ({ n: params.n }));
    await expect(compilePipeline(badOut)).rejects.toThrow("output 'n' of 'bad': not a task output");
  });

  it('rejects step definitions without exactly one implementation', () => {
    expect(() => step({ name: 's' } as never)).toThrow(
      "step 's': give exactly one of command, run and project",
    );
    expect(() => step({ name: 's', run: () => ({}) } as never)).toThrow(
      "step 's': a function step needs module: import.meta.url",
    );
  });

  it('reports spec errors found in what the DSL built, with their place', async () => {
    const def = pipeline({ name: 'types', parameters: { name: z.string() } }, (params) => {
      const p = prep({ rows: params.name });
      train({ data: p.outputs.data, lr: 'fast', epochs: 3 } as never);
      notify({ message: runStatus() });
    });
    const error = await compilePipeline(def).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineCompileError);
    expect((error as PipelineCompileError).issues).toEqual([
      {
        path: 'tasks.prep.arguments.rows',
        message: "input 'rows' expects integer but parameter 'name' is string",
      },
      {
        path: 'tasks.train.arguments.lr',
        message: 'input \'lr\' expects number but constant "fast" is string',
      },
      { path: 'tasks.train.arguments.epochs', message: "unknown input 'epochs' (inputs: data, lr)" },
      {
        path: 'tasks.notify.arguments.message',
        message: 'runStatus outside the exit task (this pipeline has none)',
      },
    ]);
  });
});
