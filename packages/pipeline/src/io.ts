import { z } from 'zod';
import { isArtifactDecl, type ArtifactDecl } from './artifacts.js';
import type { IOSpec, Json, JsonSchema, ParameterSpec } from './spec.js';

/** An input/output declaration in the DSL: a zod schema (a parameter) or an artifact type. */
export type IODecl = z.ZodType | ArtifactDecl;
export type IODecls = Record<string, IODecl>;

/** Where artifacts are, for a step's code: a local `path` to read or write, and the `uri` stored. */
export interface ArtifactRef {
  path: string;
  uri: string;
}

type InputValue<D> = D extends ArtifactDecl ? ArtifactRef : D extends z.ZodType ? z.output<D> : never;
/** The `inputs` a function step receives: parsed parameter values and artifact refs. */
export type StepInputs<I extends IODecls> = { [K in keyof I]: InputValue<I[K]> };
export type ParameterKeys<O> = { [K in keyof O]: O[K] extends z.ZodType ? K : never }[keyof O];
export type ArtifactKeys<O> = { [K in keyof O]: O[K] extends ArtifactDecl ? K : never }[keyof O];
/** What a function step returns: a value for every parameter output. */
export type StepOutputs<O extends IODecls> = {
  [K in ParameterKeys<O>]: O[K] extends z.ZodType ? z.input<O[K]> : never;
};

/**
 * zod's JSON Schema for a parameter, without the `$schema` dialect line (the spec says 2020-12 once)
 * and without the safe-integer bounds `.int()` adds.
 */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return tidy(z.toJSONSchema(schema, { io: 'input' }) as JsonSchema);
}

function tidy(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = schema;
  return JSON.parse(JSON.stringify(rest), (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const o = value as Record<string, unknown>;
      if (
        o.type === 'integer' &&
        o.minimum === Number.MIN_SAFE_INTEGER &&
        o.maximum === Number.MAX_SAFE_INTEGER
      ) {
        const { minimum: _min, maximum: _max, ...clean } = o;
        return clean;
      }
    }
    return value;
  }) as JsonSchema;
}

function defaultOf(schema: z.ZodType): Json | undefined {
  return schema instanceof z.ZodDefault ? (schema.def.defaultValue as Json) : undefined;
}

/** The spec IOSpec of a declaration (`default`/`optional` from `.default()`/`.optional()`). */
export function toIOSpec(decl: IODecl): IOSpec {
  if (isArtifactDecl(decl)) {
    return {
      kind: 'artifact',
      type: decl.type,
      ...(decl.description !== undefined && { description: decl.description }),
      ...(decl.isOptional && { optional: true }),
    };
  }
  const value = defaultOf(decl);
  const schema = jsonSchemaOf(decl);
  const description =
    decl.description ?? (typeof schema.description === 'string' ? schema.description : undefined);
  return {
    kind: 'parameter',
    schema,
    ...(description !== undefined && { description }),
    ...(value !== undefined ? { default: value } : decl.safeParse(undefined).success && { optional: true }),
  };
}

/** A pipeline parameter's spec; an artifact parameter (pipelines run as steps only) has the schema `{}`. */
export function toParameterSpec(decl: IODecl): ParameterSpec {
  const io = toIOSpec(decl);
  return {
    schema: io.kind === 'parameter' ? io.schema : {},
    ...(io.kind === 'parameter' && io.default !== undefined && { default: io.default }),
    ...(io.description !== undefined && { description: io.description }),
  };
}

export function toIOSpecs(decls: IODecls | undefined): Record<string, IOSpec> {
  return Object.fromEntries(Object.entries(decls ?? {}).map(([k, d]) => [k, toIOSpec(d)]));
}
