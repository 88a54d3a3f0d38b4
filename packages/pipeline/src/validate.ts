import { PipelineCompileError, joinPath, type CompileIssue } from './errors.js';
import type { Condition, IOSpec, PipelineSpec, TaskSpec, ValueRef } from './spec.js';
import {
  arrayOf,
  describeTypes,
  schemaOfValue,
  schemasCompatible,
  schemaTypes,
  subSchema,
  type ValueKind,
} from './types.js';

const PLACEHOLDER = /\{\{\s*(inputs|outputs)\.([^}\s]*)\s*\}\}/g;

function names(record: Record<string, unknown>): string {
  const keys = Object.keys(record);
  return keys.length ? keys.join(', ') : 'none';
}

function describeRef(ref: ValueRef): string {
  if ('constant' in ref) return `constant ${JSON.stringify(ref.constant)}`;
  if ('parameter' in ref) return `parameter '${ref.parameter}'`;
  if ('taskOutput' in ref) return `task '${ref.taskOutput.task}' output '${ref.taskOutput.output}'`;
  if ('loopItem' in ref)
    return ref.loopItem.field ? `loop item field '${ref.loopItem.field}'` : 'the loop item';
  return 'runStatus';
}

function describeKind(kind: ValueKind): string {
  if (kind.kind === 'artifact')
    return kind.list ? `a list of ${kind.type} artifacts` : `an artifact (${kind.type})`;
  return describeTypes(kind.schema);
}

/** Semantic checks of one pipeline (and, recursively, of the pipelines its tasks run). */
class Checker {
  constructor(
    private readonly spec: PipelineSpec,
    private readonly base: string,
    private readonly issues: CompileIssue[],
    /** When this pipeline is a component's implementation: that component's inputs (its parameters). */
    private readonly componentInputs?: Record<string, IOSpec>,
  ) {}

  private issue(path: string, message: string): void {
    this.issues.push({ path: joinPath(this.base, path), message });
  }

  run(): void {
    const { spec } = this;
    if (spec.exitTask !== undefined && !(spec.exitTask in spec.tasks)) {
      this.issue('exitTask', `unknown task '${spec.exitTask}' (tasks: ${names(spec.tasks)})`);
    }
    for (const [name, task] of Object.entries(spec.tasks)) this.checkTask(name, task);
    for (const [name, output] of Object.entries(spec.outputs ?? {})) {
      const path = `outputs.${name}.from`;
      const source = this.taskOutputKind(output.from.task, output.from.output, path, undefined);
      if (source) this.checkCompatible(source, output, { taskOutput: output.from }, path, `output '${name}'`);
    }
    this.checkCycles();
  }

  private checkTask(name: string, task: TaskSpec): void {
    const path = `tasks.${name}`;
    const { component } = task;
    for (const [arg, ref] of Object.entries(task.arguments)) {
      const argPath = `${path}.arguments.${arg}`;
      const input = component.inputs[arg];
      const source = this.refKind(ref, name, task, argPath);
      if (!input) {
        this.issue(argPath, `unknown input '${arg}' (inputs: ${names(component.inputs)})`);
        continue;
      }
      if (source) this.checkCompatible(source, input, ref, argPath, `input '${arg}'`);
    }
    for (const [input, io] of Object.entries(component.inputs)) {
      const hasDefault = io.kind === 'parameter' && io.default !== undefined;
      if (!(input in task.arguments) && !io.optional && !hasDefault) {
        this.issue(
          `${path}.arguments.${input}`,
          `missing required input '${input}' of component '${component.name}'`,
        );
      }
    }
    (task.dependsOn ?? []).forEach((dep, i) => {
      if (!(dep in this.spec.tasks))
        this.issue(`${path}.dependsOn.${i}`, `unknown task '${dep}' (tasks: ${names(this.spec.tasks)})`);
      else if (dep === this.spec.exitTask)
        this.issue(`${path}.dependsOn.${i}`, `depends on the exit task '${dep}'`);
    });
    if (task.when) this.checkCondition(task.when, name, task, `${path}.when`);
    if (task.forEach) {
      const { items, parallelism } = task.forEach;
      const itemsPath = `${path}.forEach.items`;
      if ('loopItem' in items) this.issue(itemsPath, 'forEach items cannot be the loop item');
      else {
        const kind = this.refKind(items, name, task, itemsPath);
        if (kind?.kind === 'artifact')
          this.issue(
            itemsPath,
            `forEach items must be a JSON array, but ${describeRef(items)} is ${describeKind(kind)}`,
          );
        else if (kind) {
          const types = schemaTypes(kind.schema);
          if (types && !types.includes('array')) {
            this.issue(
              itemsPath,
              `forEach items must be an array, but ${describeRef(items)} is ${describeTypes(kind.schema)}`,
            );
          }
        }
      }
      if (parallelism !== undefined && (!Number.isInteger(parallelism) || parallelism < 1)) {
        this.issue(`${path}.forEach.parallelism`, `parallelism must be an integer >= 1 (got ${parallelism})`);
      }
    }
    this.checkImplementation(name, task);
  }

  private checkImplementation(name: string, task: TaskSpec): void {
    const { component } = task;
    const path = `tasks.${name}.component`;
    const impl = component.implementation;
    if ('command' in impl) {
      impl.command.forEach((part, i) => {
        for (const match of part.matchAll(PLACEHOLDER)) {
          const [text, side, key] = match as unknown as [string, 'inputs' | 'outputs', string];
          const declared = component[side];
          if (!(key in declared)) {
            const what = side === 'inputs' ? 'input' : 'output';
            this.issue(
              `${path}.implementation.command.${i}`,
              `unknown ${what} '${key}' in '${text}' (${side}: ${names(declared)})`,
            );
          }
        }
      });
    } else if ('project' in impl) {
      for (const output of Object.keys(component.outputs)) {
        this.issue(
          `${path}.outputs.${output}`,
          `a project step has no outputs: what the project logs (metrics, artifacts) lands in the task's run`,
        );
      }
    } else if ('pipeline' in impl) {
      const nested = impl.pipeline;
      for (const input of Object.keys(component.inputs)) {
        if (!(input in nested.parameters)) {
          this.issue(
            `${path}.inputs.${input}`,
            `the pipeline '${nested.name}' has no parameter '${input}' (parameters: ${names(nested.parameters)})`,
          );
        }
      }
      for (const [param, spec] of Object.entries(nested.parameters)) {
        if (!(param in component.inputs) && spec.default === undefined) {
          this.issue(
            `${path}.inputs`,
            `the pipeline '${nested.name}' needs parameter '${param}', which is not an input`,
          );
        }
      }
      for (const [output, io] of Object.entries(component.outputs)) {
        const from = nested.outputs?.[output];
        if (!from)
          this.issue(
            `${path}.outputs.${output}`,
            `the pipeline '${nested.name}' has no output '${output}' (outputs: ${names(nested.outputs ?? {})})`,
          );
        else if (from.kind !== io.kind)
          this.issue(
            `${path}.outputs.${output}`,
            `is a ${io.kind} but the pipeline's output '${output}' is a ${from.kind}`,
          );
      }
      new Checker(
        nested,
        joinPath(this.base, path, 'implementation.pipeline'),
        this.issues,
        component.inputs,
      ).run();
    }
  }

  private checkCondition(cond: Condition, name: string, task: TaskSpec, path: string): void {
    if ('op' in cond) {
      this.refKind(cond.left, name, task, `${path}.left`);
      this.refKind(cond.right, name, task, `${path}.right`);
    } else if ('and' in cond)
      cond.and.forEach((c, i) => this.checkCondition(c, name, task, `${path}.and.${i}`));
    else if ('or' in cond) cond.or.forEach((c, i) => this.checkCondition(c, name, task, `${path}.or.${i}`));
    else this.checkCondition(cond.not, name, task, `${path}.not`);
  }

  private taskOutputKind(
    task: string,
    output: string,
    path: string,
    from: string | undefined,
  ): ValueKind | undefined {
    const source = this.spec.tasks[task];
    if (!source) {
      this.issue(path, `unknown task '${task}' (tasks: ${names(this.spec.tasks)})`);
      return undefined;
    }
    if (from !== undefined && task === this.spec.exitTask) {
      this.issue(path, `depends on the exit task '${task}'`);
      return undefined;
    }
    const io = source.component.outputs[output];
    if (!io) {
      this.issue(
        path,
        `task '${task}' has no output '${output}' (outputs: ${names(source.component.outputs)})`,
      );
      return undefined;
    }
    const fanIn = source.forEach !== undefined;
    if (io.kind === 'artifact') return { kind: 'artifact', type: io.type, list: fanIn };
    return { kind: 'parameter', schema: fanIn ? arrayOf(io.schema) : io.schema };
  }

  /** Checks a reference made by task `name` and says what it carries (undefined when invalid or unknown). */
  private refKind(ref: ValueRef, name: string, task: TaskSpec, path: string): ValueKind | undefined {
    if ('constant' in ref) return { kind: 'parameter', schema: schemaOfValue(ref.constant) };
    if ('parameter' in ref) {
      const param = this.spec.parameters[ref.parameter];
      if (!param) {
        this.issue(path, `unknown parameter '${ref.parameter}' (parameters: ${names(this.spec.parameters)})`);
        return undefined;
      }
      const input = this.componentInputs?.[ref.parameter];
      if (input?.kind === 'artifact') return { kind: 'artifact', type: input.type };
      return { kind: 'parameter', schema: param.schema };
    }
    if ('taskOutput' in ref)
      return this.taskOutputKind(ref.taskOutput.task, ref.taskOutput.output, path, name);
    if ('loopItem' in ref) {
      if (!task.forEach) {
        this.issue(path, `loopItem outside a forEach task`);
        return undefined;
      }
      if ('loopItem' in task.forEach.items) return undefined;
      // Problems with the items themselves are reported once, for forEach.items.
      const before = this.issues.length;
      const items = this.refKind(task.forEach.items, name, { ...task, forEach: undefined }, '');
      this.issues.length = before;
      if (items?.kind !== 'parameter') return undefined;
      let schema = subSchema(items.schema, 'items');
      if (!schema && 'constant' in task.forEach.items && Array.isArray(task.forEach.items.constant)) {
        const first = task.forEach.items.constant[0];
        schema = first === undefined ? undefined : schemaOfValue(first);
      }
      const field = ref.loopItem.field;
      if (field !== undefined) {
        const properties = subSchema(schema, 'properties');
        if (properties && !(field in properties) && schema?.additionalProperties === false) {
          this.issue(path, `forEach items have no field '${field}' (fields: ${names(properties)})`);
          return undefined;
        }
        schema = subSchema(properties, field);
      }
      return { kind: 'parameter', schema };
    }
    if (this.spec.exitTask !== name) {
      this.issue(
        path,
        this.spec.exitTask === undefined
          ? 'runStatus outside the exit task (this pipeline has none)'
          : `runStatus outside the exit task '${this.spec.exitTask}'`,
      );
      return undefined;
    }
    return { kind: 'parameter', schema: { type: 'string', enum: ['succeeded', 'failed', 'cancelled'] } };
  }

  private checkCompatible(
    source: ValueKind,
    target: IOSpec,
    ref: ValueRef,
    path: string,
    what: string,
  ): void {
    const from = describeRef(ref);
    if (target.kind === 'artifact') {
      if (source.kind === 'parameter') {
        this.issue(path, `${what} is an artifact (${target.type}) but ${from} is a parameter`);
      } else if (source.list) {
        this.issue(
          path,
          `${what} is an artifact (${target.type}) but ${from} is ${describeKind(source)} (fan-in of a forEach task)`,
        );
      } else if (target.type !== 'Artifact' && source.type !== target.type) {
        this.issue(path, `${what} expects a ${target.type} artifact but ${from} is a ${source.type}`);
      }
      return;
    }
    if (source.kind === 'artifact') {
      this.issue(path, `${what} is a parameter but ${from} is ${describeKind(source)}`);
    } else if (!schemasCompatible(source.schema, target.schema)) {
      this.issue(
        path,
        `${what} expects ${describeTypes(target.schema)} but ${from} is ${describeTypes(source.schema)}`,
      );
    }
  }

  private refTasks(ref: ValueRef): string[] {
    return 'taskOutput' in ref ? [ref.taskOutput.task] : [];
  }

  private conditionTasks(cond: Condition): string[] {
    if ('op' in cond) return [...this.refTasks(cond.left), ...this.refTasks(cond.right)];
    if ('and' in cond) return cond.and.flatMap((c) => this.conditionTasks(c));
    if ('or' in cond) return cond.or.flatMap((c) => this.conditionTasks(c));
    return this.conditionTasks(cond.not);
  }

  private checkCycles(): void {
    const deps = new Map<string, string[]>();
    for (const [name, task] of Object.entries(this.spec.tasks)) {
      const all = [
        ...Object.values(task.arguments).flatMap((r) => this.refTasks(r)),
        ...(task.dependsOn ?? []),
        ...(task.when ? this.conditionTasks(task.when) : []),
        ...(task.forEach ? this.refTasks(task.forEach.items) : []),
      ];
      deps.set(name, [...new Set(all.filter((d) => d in this.spec.tasks))]);
    }
    const state = new Map<string, 'active' | 'done'>();
    const stack: string[] = [];
    const seen = new Set<string>();
    const visit = (name: string): void => {
      state.set(name, 'active');
      stack.push(name);
      for (const dep of deps.get(name) ?? []) {
        const s = state.get(dep);
        if (s === 'active') {
          const cycle = [...stack.slice(stack.indexOf(dep)), dep];
          const key = [...new Set(cycle)].sort().join('\0');
          if (!seen.has(key)) {
            seen.add(key);
            this.issue(`tasks.${dep}`, `dependency cycle: ${cycle.join(' -> ')}`);
          }
        } else if (s === undefined) visit(dep);
      }
      stack.pop();
      state.set(name, 'done');
    };
    for (const name of deps.keys()) if (!state.has(name)) visit(name);
  }
}

/** Semantic checks of a (shape-valid) spec; throws PipelineCompileError listing every issue found. */
export function validateSpec(spec: PipelineSpec): void {
  const issues: CompileIssue[] = [];
  new Checker(spec, '', issues).run();
  if (issues.length) throw new PipelineCompileError(issues);
}
