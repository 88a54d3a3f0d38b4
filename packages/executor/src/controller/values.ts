import type { ComparisonOp, Condition, Json, ValueRef } from '@ferry/pipeline';

/** What a scope (one pipeline, or one loop iteration of it) knows when it resolves references. */
export interface ValueScope {
  parameters: Record<string, Json>;
  /** Outputs of the scope's finished tasks (a forEach task's are lists, in item order). */
  taskOutputs: (task: string) => Record<string, Json> | undefined;
  loopItem?: Json;
  runStatus?: string;
}

export class UnresolvedValue extends Error {}

/** The JSON value a reference stands for. Artifacts travel as their URI (a string). */
export function resolveValue(ref: ValueRef, scope: ValueScope): Json {
  if ('constant' in ref) return ref.constant;
  if ('parameter' in ref) {
    if (!(ref.parameter in scope.parameters))
      throw new UnresolvedValue(`parameter '${ref.parameter}' has no value`);
    return scope.parameters[ref.parameter]!;
  }
  if ('taskOutput' in ref) {
    const outputs = scope.taskOutputs(ref.taskOutput.task);
    if (!outputs || !(ref.taskOutput.output in outputs)) {
      throw new UnresolvedValue(
        `task '${ref.taskOutput.task}' produced no output '${ref.taskOutput.output}'`,
      );
    }
    return outputs[ref.taskOutput.output]!;
  }
  if ('loopItem' in ref) {
    if (scope.loopItem === undefined) throw new UnresolvedValue('no loop item here');
    const { field } = ref.loopItem;
    if (field === undefined) return scope.loopItem;
    const item = scope.loopItem;
    if (item === null || typeof item !== 'object' || Array.isArray(item) || !(field in item)) {
      throw new UnresolvedValue(`loop item has no field '${field}'`);
    }
    return item[field]!;
  }
  return scope.runStatus ?? 'running';
}

/** Tasks of the same scope a reference waits for. */
export function referencedTask(ref: ValueRef): string | undefined {
  return 'taskOutput' in ref ? ref.taskOutput.task : undefined;
}

export function conditionRefs(condition: Condition): ValueRef[] {
  if ('op' in condition) return [condition.left, condition.right];
  if ('and' in condition) return condition.and.flatMap(conditionRefs);
  if ('or' in condition) return condition.or.flatMap(conditionRefs);
  return conditionRefs(condition.not);
}

function compare(op: ComparisonOp, left: Json, right: Json): boolean {
  if (op === '==') return canonicalJson(left) === canonicalJson(right);
  if (op === '!=') return canonicalJson(left) !== canonicalJson(right);
  // Ordering is defined between two numbers or two strings only; anything else is false.
  const ordered =
    (typeof left === 'number' && typeof right === 'number') ||
    (typeof left === 'string' && typeof right === 'string');
  if (!ordered) return false;
  const [a, b] = [left, right] as [number | string, number | string];
  if (op === '<') return a < b;
  if (op === '<=') return a <= b;
  if (op === '>') return a > b;
  return a >= b;
}

export function evaluateCondition(condition: Condition, scope: ValueScope): boolean {
  if ('op' in condition) {
    return compare(condition.op, resolveValue(condition.left, scope), resolveValue(condition.right, scope));
  }
  if ('and' in condition) return condition.and.every((c) => evaluateCondition(c, scope));
  if ('or' in condition) return condition.or.some((c) => evaluateCondition(c, scope));
  return !evaluateCondition(condition.not, scope);
}

/** JSON with object keys sorted, so equal values have equal text (cache keys, comparisons). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/**
 * Replaces `{{inputs.x}}` and `{{outputs.y}}` in one argv entry: a string parameter as itself, other
 * parameters as JSON text, artifacts (and parameter outputs) as local paths.
 */
export function substitute(
  arg: string,
  inputs: Record<string, string>,
  outputs: Record<string, string>,
): string {
  return arg.replace(
    /\{\{\s*(inputs|outputs)\.([A-Za-z0-9_-]+)\s*\}\}/g,
    (whole, side: string, name: string) => {
      const table = side === 'inputs' ? inputs : outputs;
      const value = table[name];
      if (value === undefined) throw new UnresolvedValue(`placeholder ${whole} has no value`);
      return value;
    },
  );
}
