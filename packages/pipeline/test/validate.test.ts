import { describe, expect, it } from 'vitest';
import {
  parseSpec,
  PipelineCompileError,
  type ComponentSpec,
  type PipelineSpec,
  type TaskSpec,
  type ValueRef,
} from '../src/index.js';

const prep: ComponentSpec = {
  name: 'prep',
  inputs: { rows: { kind: 'parameter', schema: { type: 'integer' } } },
  outputs: {
    data: { kind: 'artifact', type: 'Dataset' },
    count: { kind: 'parameter', schema: { type: 'integer' } },
  },
  implementation: { command: ['prep', '{{inputs.rows}}', '{{outputs.data}}', '{{outputs.count}}'] },
};
const train: ComponentSpec = {
  name: 'train',
  inputs: {
    data: { kind: 'artifact', type: 'Dataset' },
    lr: { kind: 'parameter', schema: { type: 'number' }, default: 0.1 },
    tag: { kind: 'parameter', schema: { type: 'string' }, optional: true },
  },
  outputs: {
    model: { kind: 'artifact', type: 'Model' },
    accuracy: { kind: 'parameter', schema: { type: 'number' } },
  },
  implementation: { command: ['train', '{{inputs.data}}', '{{outputs.model}}'] },
};
const echo: ComponentSpec = {
  name: 'echo',
  inputs: { value: { kind: 'parameter', schema: {} } },
  outputs: {},
  implementation: { command: ['echo', '{{inputs.value}}'] },
};
/** A command component with just these inputs. */
const takes = (name: string, inputs: ComponentSpec['inputs']): ComponentSpec => ({
  name,
  inputs,
  outputs: {},
  implementation: { command: [name] },
});
const out = (task: string, output: string): ValueRef => ({ taskOutput: { task, output } });

/** prep -> train, with a parameter `rows`. */
function base(): PipelineSpec {
  return {
    apiVersion: 'ferry.pipeline/v1',
    name: 'p',
    parameters: { rows: { schema: { type: 'integer' }, default: 10 } },
    tasks: {
      prep: { component: prep, arguments: { rows: { parameter: 'rows' } } },
      train: { component: train, arguments: { data: out('prep', 'data') } },
    },
  };
}

function withTasks(tasks: Record<string, TaskSpec>, extra: Partial<PipelineSpec> = {}): PipelineSpec {
  const spec = base();
  return { ...spec, ...extra, tasks: { ...spec.tasks, ...tasks } };
}

function issues(json: unknown): { path: string; message: string }[] {
  try {
    parseSpec(json);
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineCompileError);
    return (error as PipelineCompileError).issues;
  }
  throw new Error('expected a PipelineCompileError');
}

describe('parseSpec', () => {
  it('accepts a valid spec and returns it', () => {
    expect(parseSpec(base())).toEqual(base());
  });

  it('rejects bad shapes with zod paths', () => {
    expect(issues({ ...base(), apiVersion: 'v0' })).toEqual([
      { path: 'apiVersion', message: 'Invalid input: expected "ferry.pipeline/v1"' },
    ]);
    const extra = issues(withTasks({ x: { component: echo, arguments: {}, extra: 1 } as never }));
    expect(extra).toEqual([{ path: 'tasks.x', message: 'Unrecognized key: "extra"' }]);
    expect(
      issues(
        withTasks({
          x: {
            component: { ...echo, inputs: { v: { kind: 'artifact', type: 'Video' } } },
            arguments: {},
          } as never,
        }),
      )[0]!.path,
    ).toBe('tasks.x.component.inputs.v.type');
  });

  it('throws a message naming the place', () => {
    const spec = base();
    spec.tasks['train']!.arguments['data'] = out('prep', 'dataset');
    expect(() => parseSpec(spec)).toThrow(
      "tasks.train.arguments.data: task 'prep' has no output 'dataset' (outputs: data, count)",
    );
  });

  it('names dependency cycles', () => {
    const spec = withTasks({
      a: { component: echo, arguments: { value: out('b', 'accuracy') } },
      b: { component: train, arguments: { data: out('prep', 'data') }, dependsOn: ['a'] },
      self: { component: echo, arguments: { value: { constant: 1 } }, dependsOn: ['self'] },
    });
    expect(issues(spec)).toEqual([
      { path: 'tasks.a', message: 'dependency cycle: a -> b -> a' },
      { path: 'tasks.self', message: 'dependency cycle: self -> self' },
    ]);
  });

  it('reports unknown tasks, outputs and parameters', () => {
    const spec = withTasks({
      x: { component: echo, arguments: { value: { parameter: 'nope' } }, dependsOn: ['ghost'] },
      y: { component: echo, arguments: { value: out('ghost', 'data') } },
      z: {
        component: echo,
        arguments: { value: { constant: 1 } },
        when: { not: { op: '==', left: out('prep', 'n'), right: { constant: 1 } } },
      },
    });
    expect(issues(spec)).toEqual([
      { path: 'tasks.x.arguments.value', message: "unknown parameter 'nope' (parameters: rows)" },
      { path: 'tasks.x.dependsOn.0', message: "unknown task 'ghost' (tasks: prep, train, x, y, z)" },
      { path: 'tasks.y.arguments.value', message: "unknown task 'ghost' (tasks: prep, train, x, y, z)" },
      { path: 'tasks.z.when.not.left', message: "task 'prep' has no output 'n' (outputs: data, count)" },
    ]);
  });

  it('reports kind and type mismatches between outputs and inputs', () => {
    const metrics: ComponentSpec = takes('m', { m: { kind: 'artifact', type: 'Metrics' } });
    const anyArtifact: ComponentSpec = takes('a', { a: { kind: 'artifact', type: 'Artifact' } });
    const num: ComponentSpec = takes('n', { n: { kind: 'parameter', schema: { type: 'number' } } });
    const spec = withTasks({
      t1: { component: metrics, arguments: { m: out('prep', 'data') } },
      t2: { component: anyArtifact, arguments: { a: out('prep', 'data') } },
      t3: { component: num, arguments: { n: out('prep', 'data') } },
      t4: { component: metrics, arguments: { m: out('prep', 'count') } },
      t5: { component: num, arguments: { n: { constant: 'ten' } } },
      t6: { component: num, arguments: { n: out('prep', 'count') } },
      t7: { component: metrics, arguments: { m: { parameter: 'rows' } } },
    });
    expect(issues(spec)).toEqual([
      {
        path: 'tasks.t1.arguments.m',
        message: "input 'm' expects a Metrics artifact but task 'prep' output 'data' is a Dataset",
      },
      {
        path: 'tasks.t3.arguments.n',
        message: "input 'n' is a parameter but task 'prep' output 'data' is an artifact (Dataset)",
      },
      {
        path: 'tasks.t4.arguments.m',
        message: "input 'm' is an artifact (Metrics) but task 'prep' output 'count' is a parameter",
      },
      { path: 'tasks.t5.arguments.n', message: 'input \'n\' expects number but constant "ten" is string' },
      {
        path: 'tasks.t7.arguments.m',
        message: "input 'm' is an artifact (Metrics) but parameter 'rows' is a parameter",
      },
    ]);
  });

  it('treats the outputs of a forEach task as lists (fan-in)', () => {
    const num: ComponentSpec = takes('n', { n: { kind: 'parameter', schema: { type: 'number' } } });
    const nums = takes('ns', {
      n: { kind: 'parameter', schema: { type: 'array', items: { type: 'number' } } },
    });
    const strs = takes('ss', {
      s: { kind: 'parameter', schema: { type: 'array', items: { type: 'string' } } },
    });
    const spec = withTasks({
      loop: {
        component: train,
        arguments: { data: out('prep', 'data'), lr: { loopItem: {} } },
        forEach: { items: { constant: [0.1, 0.2] } },
      },
      one: { component: num, arguments: { n: out('loop', 'accuracy') } },
      all: { component: nums, arguments: { n: out('loop', 'accuracy') } },
      strings: { component: strs, arguments: { s: out('loop', 'accuracy') } },
      models: {
        component: { ...train, name: 'm2', inputs: { data: { kind: 'artifact', type: 'Model' } } },
        arguments: { data: out('loop', 'model') },
      },
    });
    expect(issues(spec)).toEqual([
      {
        path: 'tasks.one.arguments.n',
        message: "input 'n' expects number but task 'loop' output 'accuracy' is array of number",
      },
      {
        path: 'tasks.strings.arguments.s',
        message: "input 's' expects array of string but task 'loop' output 'accuracy' is array of number",
      },
      {
        path: 'tasks.models.arguments.data',
        message:
          "input 'data' is an artifact (Model) but task 'loop' output 'model' is a list of Model artifacts (fan-in of a forEach task)",
      },
    ]);
  });

  it('reports missing required inputs and unknown argument names', () => {
    const spec = withTasks({ t: { component: train, arguments: { epochs: { constant: 3 } } } });
    expect(issues(spec)).toEqual([
      { path: 'tasks.t.arguments.epochs', message: "unknown input 'epochs' (inputs: data, lr, tag)" },
      { path: 'tasks.t.arguments.data', message: "missing required input 'data' of component 'train'" },
    ]);
  });

  it('checks loop items and forEach', () => {
    const spec = withTasks({
      a: { component: echo, arguments: { value: { loopItem: {} } } },
      b: {
        component: echo,
        arguments: { value: { loopItem: {} } },
        forEach: { items: { parameter: 'rows' }, parallelism: 0 },
      },
      c: { component: echo, arguments: { value: { constant: 1 } }, forEach: { items: out('prep', 'data') } },
      d: {
        component: echo,
        arguments: { value: { constant: 1 } },
        forEach: { items: { constant: 'abc' }, parallelism: 1.5 },
      },
      e: { component: echo, arguments: { value: { constant: 1 } }, forEach: { items: { loopItem: {} } } },
    });
    expect(issues(spec)).toEqual([
      { path: 'tasks.a.arguments.value', message: 'loopItem outside a forEach task' },
      {
        path: 'tasks.b.forEach.items',
        message: "forEach items must be an array, but parameter 'rows' is integer",
      },
      { path: 'tasks.b.forEach.parallelism', message: 'parallelism must be an integer >= 1 (got 0)' },
      {
        path: 'tasks.c.forEach.items',
        message: "forEach items must be a JSON array, but task 'prep' output 'data' is an artifact (Dataset)",
      },
      {
        path: 'tasks.d.forEach.items',
        message: 'forEach items must be an array, but constant "abc" is string',
      },
      { path: 'tasks.d.forEach.parallelism', message: 'parallelism must be an integer >= 1 (got 1.5)' },
      { path: 'tasks.e.forEach.items', message: 'forEach items cannot be the loop item' },
    ]);
  });

  it('types loop items and their fields from the items schema', () => {
    const num: ComponentSpec = takes('n', { n: { kind: 'parameter', schema: { type: 'number' } } });
    const spec = withTasks(
      {
        a: { component: num, arguments: { n: { loopItem: {} } }, forEach: { items: { parameter: 'names' } } },
        b: {
          component: num,
          arguments: { n: { loopItem: { field: 'lr' } } },
          forEach: { items: { parameter: 'grid' } },
        },
        c: {
          component: num,
          arguments: { n: { loopItem: { field: 'name' } } },
          forEach: { items: { parameter: 'grid' } },
        },
        d: {
          component: num,
          arguments: { n: { loopItem: { field: 'seed' } } },
          forEach: { items: { parameter: 'grid' } },
        },
      },
      {
        parameters: {
          rows: { schema: { type: 'integer' } },
          names: { schema: { type: 'array', items: { type: 'string' } } },
          grid: {
            schema: {
              type: 'array',
              items: {
                type: 'object',
                properties: { lr: { type: 'number' }, name: { type: 'string' } },
                additionalProperties: false,
              },
            },
          },
        },
      },
    );
    expect(issues(spec)).toEqual([
      { path: 'tasks.a.arguments.n', message: "input 'n' expects number but the loop item is string" },
      {
        path: 'tasks.c.arguments.n',
        message: "input 'n' expects number but loop item field 'name' is string",
      },
      { path: 'tasks.d.arguments.n', message: "forEach items have no field 'seed' (fields: lr, name)" },
    ]);
  });

  it('checks the exit task and runStatus', () => {
    const spec = withTasks(
      {
        notify: { component: echo, arguments: { value: { runStatus: {} } } },
        other: { component: echo, arguments: { value: { runStatus: {} } }, dependsOn: ['notify'] },
        reader: { component: echo, arguments: { value: out('notify', 'x') } },
      },
      { exitTask: 'notify' },
    );
    expect(issues(spec)).toEqual([
      { path: 'tasks.other.arguments.value', message: "runStatus outside the exit task 'notify'" },
      { path: 'tasks.other.dependsOn.0', message: "depends on the exit task 'notify'" },
      { path: 'tasks.reader.arguments.value', message: "depends on the exit task 'notify'" },
    ]);
    expect(issues({ ...base(), exitTask: 'ghost' })).toEqual([
      { path: 'exitTask', message: "unknown task 'ghost' (tasks: prep, train)" },
    ]);
  });

  it('checks command placeholders', () => {
    const bad: ComponentSpec = {
      ...echo,
      implementation: { command: ['echo', '{{inputs.valu}}', 'x={{ outputs.y }}'] },
    };
    expect(issues(withTasks({ e: { component: bad, arguments: { value: { constant: 1 } } } }))).toEqual([
      {
        path: 'tasks.e.component.implementation.command.1',
        message: "unknown input 'valu' in '{{inputs.valu}}' (inputs: value)",
      },
      {
        path: 'tasks.e.component.implementation.command.2',
        message: "unknown output 'y' in '{{ outputs.y }}' (outputs: none)",
      },
    ]);
  });

  it('checks pipeline outputs', () => {
    const spec: PipelineSpec = {
      ...base(),
      outputs: {
        model: { from: { task: 'train', output: 'model' }, kind: 'artifact', type: 'Model' },
        wrong: { from: { task: 'train', output: 'model' }, kind: 'artifact', type: 'Dataset' },
        missing: { from: { task: 'train', output: 'nope' }, kind: 'parameter', schema: {} },
      },
    };
    expect(issues(spec)).toEqual([
      {
        path: 'outputs.wrong.from',
        message: "output 'wrong' expects a Dataset artifact but task 'train' output 'model' is a Model",
      },
      {
        path: 'outputs.missing.from',
        message: "task 'train' has no output 'nope' (outputs: model, accuracy)",
      },
    ]);
  });

  it('validates nested pipelines recursively, with their inputs as parameters', () => {
    const nested: PipelineSpec = {
      apiVersion: 'ferry.pipeline/v1',
      name: 'inner',
      parameters: { data: { schema: {} }, lr: { schema: { type: 'number' } } },
      tasks: {
        train: { component: train, arguments: { data: { parameter: 'data' }, lr: { parameter: 'lr' } } },
        bad: { component: train, arguments: { data: { parameter: 'lr' }, lr: out('train', 'nope') } },
      },
      outputs: { model: { from: { task: 'train', output: 'model' }, kind: 'artifact', type: 'Model' } },
    };
    const loop: ComponentSpec = {
      name: 'loop',
      inputs: {
        data: { kind: 'artifact', type: 'Dataset' },
        lr: { kind: 'parameter', schema: { type: 'number' } },
      },
      outputs: { model: { kind: 'artifact', type: 'Model' }, extra: { kind: 'parameter', schema: {} } },
      implementation: { pipeline: nested },
    };
    const spec = withTasks({
      loop: {
        component: loop,
        arguments: { data: out('prep', 'data'), lr: { loopItem: {} } },
        forEach: { items: { constant: [0.1] } },
      },
    });
    const inner = 'tasks.loop.component.implementation.pipeline';
    expect(issues(spec)).toEqual([
      {
        path: 'tasks.loop.component.outputs.extra',
        message: "the pipeline 'inner' has no output 'extra' (outputs: model)",
      },
      {
        path: `${inner}.tasks.bad.arguments.data`,
        message: "input 'data' is an artifact (Dataset) but parameter 'lr' is a parameter",
      },
      {
        path: `${inner}.tasks.bad.arguments.lr`,
        message: "task 'train' has no output 'nope' (outputs: model, accuracy)",
      },
    ]);
  });
});
