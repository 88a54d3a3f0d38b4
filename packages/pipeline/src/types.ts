import type { ArtifactType, Json, JsonSchema } from './spec.js';

/**
 * What a value reference carries, as far as it is known statically: a parameter with (maybe) a JSON
 * Schema, or an artifact (a list of them when fanned in from a forEach task).
 */
export type ValueKind =
  | { kind: 'parameter'; schema: JsonSchema | undefined }
  | { kind: 'artifact'; type: ArtifactType; list?: boolean };

/** The JSON Schema `type`s a schema allows, or undefined when it does not say. */
export function schemaTypes(schema: JsonSchema | undefined): string[] | undefined {
  if (!schema) return undefined;
  const type = schema.type;
  if (typeof type === 'string') return [type];
  if (Array.isArray(type) && type.every((t) => typeof t === 'string')) return type as string[];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) {
      const all: string[] = [];
      for (const branch of branches) {
        const types =
          branch && typeof branch === 'object' && !Array.isArray(branch) ? schemaTypes(branch) : undefined;
        if (!types) return undefined;
        all.push(...types);
      }
      return [...new Set(all)];
    }
  }
  return undefined;
}

/** Human text for a schema's types: `number`, `string | null`, or `any`. */
export function describeTypes(schema: JsonSchema | undefined): string {
  const types = schemaTypes(schema);
  if (!types) return 'any';
  if (types.length === 1 && types[0] === 'array') {
    const items = subSchema(schema, 'items');
    if (items && schemaTypes(items)) return `array of ${describeTypes(items)}`;
  }
  return types.join(' | ');
}

/** A nested schema object under `key`, if the schema has one. */
export function subSchema(schema: JsonSchema | undefined, key: string): JsonSchema | undefined {
  const value = schema?.[key];
  return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

/** The schema of a JSON value's type (`{type: 'integer'}` for 3, `{type: 'array'}` for [...]). */
export function schemaOfValue(value: Json): JsonSchema {
  if (value === null) return { type: 'null' };
  if (Array.isArray(value)) return { type: 'array' };
  if (typeof value === 'number') return { type: Number.isInteger(value) ? 'integer' : 'number' };
  return { type: typeof value };
}

function typeOverlap(a: string, b: string): boolean {
  return a === b || (a === 'integer' && b === 'number') || (a === 'number' && b === 'integer');
}

/** Whether a value of schema `from` can be given where `to` is expected (unknown types are compatible). */
export function schemasCompatible(from: JsonSchema | undefined, to: JsonSchema | undefined): boolean {
  const fromTypes = schemaTypes(from);
  const toTypes = schemaTypes(to);
  if (!fromTypes || !toTypes) return true;
  if (!fromTypes.some((a) => toTypes.some((b) => typeOverlap(a, b)))) return false;
  if (fromTypes.length === 1 && fromTypes[0] === 'array' && toTypes.includes('array')) {
    return schemasCompatible(subSchema(from, 'items'), subSchema(to, 'items'));
  }
  return true;
}

/** A list of `schema` values (the fan-in of a forEach task's parameter output). */
export function arrayOf(schema: JsonSchema | undefined): JsonSchema {
  return schema ? { type: 'array', items: schema } : { type: 'array' };
}
