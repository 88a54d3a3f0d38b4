import { invalidParam } from '@ferry/core';
import { enforceValue } from './enforce-value.js';
import { pyClass, pyRepr, pyStr, pyStrValue, pyTypeName } from './py-repr.js';
import type { DataType, ParamSpec } from './schema.js';
import { paramSpecRepr } from './schema-repr.js';

/**
 * The params a model is called with, as MLflow's `_enforce_params_schema`: without a params schema
 * every param is dropped (MLflow logs a warning); with one, unknown params are dropped, missing ones
 * take their default and each given value is checked against its spec. Invalid values fail together:
 * INVALID_PARAMETER_VALUE `Invalid parameters found: {('k', '<reason>')}`.
 */
export function enforceParams(
  params: Record<string, unknown> | undefined,
  specs: readonly ParamSpec[] | undefined,
): Record<string, unknown> {
  if (specs === undefined) return {};
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw invalidParam(`Parameters must be a dictionary. Got type '${pyTypeName(params)}'.`);
  }
  const given = params ?? {};
  const out: Record<string, unknown> = {};
  const invalid: string[] = [];
  for (const spec of specs) {
    if (!(spec.name in given)) {
      out[spec.name] = spec.default;
      continue;
    }
    try {
      out[spec.name] = validateParam(given[spec.name], spec);
    } catch (err) {
      invalid.push(`(${pyStr(spec.name)}, ${pyStr((err as Error).message)})`);
    }
  }
  if (invalid.length > 0) throw invalidParam(`Invalid parameters found: {${invalid.join(', ')}}`);
  return out;
}

/** MLflow's `ParamSpec.validate_type_and_shape`. */
function validateParam(value: unknown, spec: ParamSpec): unknown {
  const repr = paramSpecRepr(spec);
  if (spec.shape !== null && spec.shape.length === 1 && spec.shape[0] === -1) {
    if (!Array.isArray(value) || value.some(Array.isArray)) {
      const ndim = Array.isArray(value) ? 2 : 0;
      throw invalidParam(
        `Value must be a 1D array with shape (-1,) for param ${repr}, received ${pyTypeName(value)} with ndim ${ndim}`,
      );
    }
    return withReason(repr, () => value.map((v) => scalarParam(v, spec.type as DataType)));
  }
  if (spec.shape !== null) {
    throw invalidParam(
      'Shape must be None for scalar or dictionary value, or (-1,) for 1D array value ' +
        `for ParamSpec ${repr}), received ${pyRepr(spec.shape)}`,
    );
  }
  if (typeof spec.type === 'string') return withReason(repr, () => scalarParam(value, spec.type as DataType));
  const objectType = spec.type;
  // Like MLflow, the object is only validated; the model gets the value as sent.
  withReason(repr, () => enforceValue(structuredClone(value), objectType));
  return value;
}

function withReason<T>(repr: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw invalidParam(`Failed to validate type and shape for ${repr}, error: ${(err as Error).message}`);
  }
}

/** MLflow's `_enforce_param_datatype`: exact Python type, or a widening to a numeric type. */
function scalarParam(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'datetime') {
    const date = typeof value === 'string' || value instanceof Date ? new Date(value) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) {
      throw invalidParam(
        `Failed to convert value \`${pyStrValue(value)}\` from type \`${pyClass(value)}\` to \`DataType.datetime\``,
      );
    }
    return date;
  }
  if (typeof value === 'object') {
    throw invalidParam(`Value must be a scalar for type \`DataType.${type}\`, got \`${pyStrValue(value)}\``);
  }
  const python = pyTypeName(value);
  const exact =
    (type === 'boolean' && python === 'bool') ||
    (type === 'string' && python === 'str') ||
    ((type === 'integer' || type === 'long') && python === 'int') ||
    ((type === 'float' || type === 'double') && python === 'float');
  // MLflow's allowed conversions for params: an int to a float or double.
  const widened = (type === 'float' || type === 'double') && python === 'int';
  if (exact || widened) return value;
  throw invalidParam(
    `Can not safely convert \`${pyClass(value)}\` to \`DataType.${type}\` for value \`${pyStrValue(value)}\``,
  );
}
