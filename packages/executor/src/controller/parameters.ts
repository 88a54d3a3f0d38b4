import { invalidParam } from '@ferry/core';
import type { Json, JsonSchema, PipelineSpec } from '@ferry/pipeline';

/** Whether a value fits a JSON Schema's `type` (the one check that catches most mistakes early). */
function fitsType(schema: JsonSchema, value: Json): boolean {
  const type = schema['type'];
  const types = Array.isArray(type) ? type : type === undefined ? [] : [type];
  if (types.length === 0) return true;
  return types.some((t) => {
    if (t === 'null') return value === null;
    if (t === 'array') return Array.isArray(value);
    if (t === 'object') return value !== null && typeof value === 'object' && !Array.isArray(value);
    if (t === 'integer') return typeof value === 'number' && Number.isInteger(value);
    return typeof value === t;
  });
}

/**
 * Checks run parameters against the pipeline's declarations: no unknown names, every parameter
 * without a default given, values of the declared JSON type. INVALID_PARAMETER_VALUE naming the
 * parameter otherwise.
 */
export function checkParameters(spec: PipelineSpec, given: Record<string, Json>): Record<string, Json> {
  for (const name of Object.keys(given)) {
    if (!(name in spec.parameters)) {
      const known = Object.keys(spec.parameters);
      throw invalidParam(
        `Pipeline '${spec.name}' has no parameter '${name}' (parameters: ${known.length ? known.join(', ') : 'none'}).`,
      );
    }
  }
  for (const [name, declared] of Object.entries(spec.parameters)) {
    if (!(name in given)) {
      if (declared.default === undefined)
        throw invalidParam(`Missing value for pipeline parameter '${name}'.`);
      continue;
    }
    if (!fitsType(declared.schema, given[name]!)) {
      throw invalidParam(
        `Pipeline parameter '${name}' must be of type ${JSON.stringify(declared.schema['type'])}; got ${JSON.stringify(given[name])}.`,
      );
    }
  }
  return given;
}
