import { invalidParam } from '@ferry/core';
import { cellValue, isMissing } from './data-frame.js';
import { enforceColumn } from './enforce-column.js';
import { pyRepr, pySet, pyStrValue, pyTypeName } from './py-repr.js';
import type { ColumnType, ObjectType } from './schema.js';
import { typeRepr } from './schema-repr.js';

const isPlainObject = (v: unknown, empty = false): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  !ArrayBuffer.isView(v) &&
  !(v instanceof Date) &&
  (!empty || Object.keys(v).length === 0);

/**
 * Checks one cell against a column type, as MLflow's `_enforce_type` does for array, object and map
 * columns (and scalars nested in them); returns the value converted like a column of that type.
 * INVALID_PARAMETER_VALUE with MLflow's messages.
 */
export function enforceValue(data: unknown, type: ColumnType, required = true): unknown {
  if (typeof type === 'string') {
    if (!required && isMissing(data)) return null;
    if (
      typeof data === 'object' &&
      data !== null &&
      !(data instanceof Date) &&
      !(data instanceof Uint8Array)
    ) {
      throw invalidParam(`Expected data to be scalar, got ${pyTypeName(data)}`);
    }
    try {
      return cellValue(enforceColumn('', [data], type), 0);
    } catch {
      throw invalidParam(`Failed to enforce schema of data \`${pyStrValue(data)}\` with dtype \`${type}\``);
    }
  }
  switch (type.type) {
    case 'any':
      return data;
    case 'array':
    case 'sparkml_vector':
      return enforceArray(data, type.type === 'array' ? type.items : 'double', required);
    case 'object':
      return enforceObject(data, type, required);
    case 'map': {
      if (
        (!required || isAny(type.values)) &&
        (data === null || data === undefined || isPlainObject(data, true))
      ) {
        return data;
      }
      if (!isPlainObject(data)) throw invalidParam(`Expected data to be a dict, got ${pyTypeName(data)}`);
      return Object.fromEntries(
        Object.entries(data).map(([k, v]) => [k, enforceValue(v, type.values, required)]),
      );
    }
  }
}

const isAny = (type: ColumnType): boolean => typeof type !== 'string' && type.type === 'any';

function enforceArray(data: unknown, items: ColumnType, required: boolean): unknown {
  if (
    (!required || isAny(items)) &&
    (data === null || data === undefined || (Array.isArray(data) && !data.length))
  ) {
    return data;
  }
  if (!Array.isArray(data)) {
    throw invalidParam(`Expected data to be list or numpy array, got ${pyTypeName(data)}`);
  }
  if (typeof items === 'string') {
    if (data.length === 0) return data;
    const column = enforceColumn('', data, items);
    return Array.from({ length: column.length }, (_, i) => cellValue(column, i));
  }
  return data.map((item) => enforceValue(item, items, required));
}

function enforceObject(data: unknown, type: ObjectType, required: boolean): unknown {
  if (!required && (isMissing(data) || isPlainObject(data, true))) return data;
  if (!isPlainObject(data)) {
    throw invalidParam(
      `Failed to enforce schema of '${pyRepr(data)}' with type '${typeRepr(type)}'. ` +
        `Expected data to be dictionary, got ${pyTypeName(data)}`,
    );
  }
  const properties = new Map(type.properties.map((p) => [p.name, p]));
  const missing = type.properties.filter((p) => p.required && !(p.name in data)).map((p) => p.name);
  if (missing.length > 0) throw invalidParam(`Missing required properties: ${pySet(missing)}`);
  const invalid = Object.keys(data).filter((k) => !properties.has(k));
  if (invalid.length > 0) {
    throw invalidParam(`Invalid properties not defined in the schema found: ${pySet(invalid)}`);
  }
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => {
      const prop = properties.get(key)!;
      try {
        return [key, enforceValue(value, prop.type, prop.required)];
      } catch {
        const expected = typeof prop.type === 'string' ? prop.type : prop.type.type;
        throw invalidParam(
          `Failed to enforce schema for key \`${key}\`. Expected type ${expected}, ` +
            `received type ${pyTypeName(value)}`,
        );
      }
    }),
  );
}
