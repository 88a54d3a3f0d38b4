import { invalidParam } from '@ferry/core';
import { pyList, pyRepr } from './py-repr.js';
import { PyFloat, pythonJson } from './python-json.js';
import { DATA_TYPES } from './schema.js';
import type {
  ColSpec,
  ColumnType,
  DataType,
  ObjectType,
  ParamSpec,
  Property,
  Schema,
  TensorSpec,
} from './schema.js';
import { validateSchema } from './schema-validate.js';

/**
 * Reading and writing the JSON strings MLflow keeps in `MLmodel` under `signature` (`Schema.to_json`,
 * `ParamSchema.to_json`). Output is byte-identical to Python's: same key order, `json.dumps`
 * spacing, floats where MLflow holds floats. Malformed JSON is INVALID_PARAMETER_VALUE with MLflow's
 * messages.
 */

type Json = Record<string, unknown>;

/** Parses a schema JSON string (`signature.inputs` / `signature.outputs`). */
export function parseSchemaJson(text: string): Schema {
  const items = parseJsonList(text, 'schema');
  const specs = items.map((item) => (item['type'] === 'tensor' ? readTensorSpec(item) : readColSpec(item)));
  const schema: Schema = specs.every(isTensorSpec)
    ? { kind: 'tensors', tensors: specs }
    : { kind: 'columns', columns: specs as ColSpec[] };
  if (!specs.every(isTensorSpec) && specs.some(isTensorSpec)) {
    throw invalidParam(
      'Creating Schema with a combination of ColSpec and TensorSpec is not supported. ' +
        'Please choose one of ColSpec or TensorSpec',
    );
  }
  validateSchema(schema);
  return schema;
}

/** Serialises a schema as MLflow's `Schema.to_json()` does. */
export function schemaToJson(schema: Schema): string {
  const specs =
    schema.kind === 'columns'
      ? schema.columns.map(colSpecToDict)
      : schema.tensors.map((t) => ({
          ...(t.name === undefined ? {} : { name: t.name }),
          type: 'tensor',
          'tensor-spec': { dtype: t.dtype, shape: t.shape },
        }));
  return pythonJson(specs);
}

/** Parses a params schema JSON string (`signature.params`). */
export function parseParamsJson(text: string): ParamSpec[] {
  const specs = parseJsonList(text, 'params schema').map(readParamSpec);
  const names = specs.map((s) => s.name);
  const duplicates = names.filter((name, i) => names.indexOf(name) !== i);
  if (duplicates.length > 0) {
    throw invalidParam(`Duplicated parameters found in schema: ${pyList(duplicates)}`);
  }
  return specs;
}

/** Serialises a params schema as MLflow's `ParamSchema.to_json()` does (`name, default, shape, type`). */
export function paramsToJson(params: readonly ParamSpec[]): string {
  return pythonJson(
    params.map((p) => ({
      name: p.name,
      default: markFloats(p.default, p.type),
      shape: p.shape,
      ...(typeof p.type === 'string' ? { type: p.type } : objectToDict(p.type)),
    })),
  );
}

function parseJsonList(text: string, what: string): Json[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalidParam(`Invalid ${what} JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed) || !parsed.every(isJsonObject)) {
    throw invalidParam(`Invalid ${what} JSON: expected a list of objects, got ${text}`);
  }
  return parsed;
}

const isJsonObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isTensorSpec = (spec: ColSpec | TensorSpec): spec is TensorSpec => 'dtype' in spec;

function readTensorSpec(item: Json): TensorSpec {
  const info = item['tensor-spec'];
  if (!isJsonObject(info)) {
    throw invalidParam('Missing keys in TensorSpec JSON. Expected to find keys `tensor-spec` and `type`');
  }
  const { dtype, shape } = info;
  if (typeof dtype !== 'string' || !Array.isArray(shape)) {
    throw invalidParam('Missing keys in TensorSpec JSON. Expected to find keys `dtype` and `shape`');
  }
  if (!shape.every((d) => Number.isInteger(d))) {
    throw invalidParam(`Invalid tensor shape ${pyRepr(shape)}: dimensions must be integers`);
  }
  const name = item['name'];
  return { ...(typeof name === 'string' ? { name } : {}), dtype, shape: shape as number[] };
}

function readColSpec(item: Json): ColSpec {
  if (!('type' in item)) throw invalidParam('Missing keys in ColSpec JSON. Expected to find key `type`');
  const { name, required } = item;
  return {
    ...(typeof name === 'string' ? { name } : {}),
    type: readType(item, 'ColSpec'),
    required: required !== false,
  };
}

/** Reads the type described by a `{type, items|properties|values}` dict. */
function readType(item: Json, owner: string): ColumnType {
  const type = item['type'];
  switch (type) {
    case 'array': {
      const items = item['items'];
      if (!isJsonObject(items) || !('type' in items)) {
        throw invalidParam("Missing keys in Array's items JSON. Expected to find key `type`");
      }
      return { type: 'array', items: readType(items, 'Array') };
    }
    case 'object':
      return readObject(item);
    case 'map': {
      const values = item['values'];
      if (!isJsonObject(values) || !('type' in values)) {
        throw invalidParam("Missing keys in Map's items JSON. Expected to find key `type`");
      }
      return { type: 'map', values: readType(values, 'Map') };
    }
    case 'any':
      return { type: 'any' };
    case 'sparkml_vector':
      return { type: 'sparkml_vector' };
  }
  if (typeof type === 'string' && (DATA_TYPES as readonly string[]).includes(type)) return type as DataType;
  throw invalidParam(
    `Unsupported type ${pyRepr(type)}, expected instance of DataType` +
      `${owner === 'ColSpec' ? '' : ', Array, Object, Map'} or one of ${pyList(DATA_TYPES)}`,
  );
}

function readObject(item: Json): ObjectType {
  const properties = item['properties'];
  if (!isJsonObject(properties) || !Object.values(properties).every(isJsonObject)) {
    throw invalidParam('Expected properties to be a dictionary of Property JSON');
  }
  const props = Object.entries(properties as Record<string, Json>).map(([name, prop]): Property => {
    if (!('type' in prop)) {
      throw invalidParam(`Missing keys in Property \`${name}\`. Expected to find key \`type\``);
    }
    return { name, type: readType(prop, 'Property'), required: prop['required'] !== false };
  });
  if (props.length === 0) throw invalidParam('Creating Object with empty properties is not allowed.');
  return { type: 'object', properties: sortProperties(props) };
}

/** Properties in MLflow's order: sorted by name (Python compares code points). */
export function sortProperties(props: Property[]): Property[] {
  return [...props].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function readParamSpec(item: Json): ParamSpec {
  const type = item['type'] ?? item['dtype'];
  if (!('name' in item) || !('default' in item) || type === undefined) {
    throw invalidParam(
      'Missing keys in ParamSpec JSON. Expected to find keys `name`, `type`(or `dtype`) and `default`. ' +
        `Received keys: dict_keys(${pyList(Object.keys(item))})`,
    );
  }
  const shape = item['shape'];
  const paramType = type === 'object' ? readObject(item) : readType({ type }, 'ParamSpec');
  if (paramType === 'binary' || (typeof paramType !== 'string' && paramType.type !== 'object')) {
    throw invalidParam(`Unsupported type '${String(type)}' for ParamSpec '${String(item['name'])}'`);
  }
  return {
    name: String(item['name']),
    type: paramType,
    default: item['default'],
    shape: Array.isArray(shape) ? (shape as number[]) : null,
  };
}

/** `ColSpec.to_dict()`: the type's dict, then `name`, then `required`. */
function colSpecToDict(spec: ColSpec): Json {
  return {
    ...typeToDict(spec.type),
    ...(spec.name === undefined ? {} : { name: spec.name }),
    required: spec.required,
  };
}

function typeToDict(type: ColumnType): Json {
  if (typeof type === 'string') return { type };
  switch (type.type) {
    case 'array':
      return { type: 'array', items: typeToDict(type.items) };
    case 'object':
      return objectToDict(type);
    case 'map':
      return { type: 'map', values: typeToDict(type.values) };
    default:
      return { type: type.type };
  }
}

function objectToDict(type: ObjectType): Json {
  const properties = Object.fromEntries(
    sortProperties(type.properties).map((p) => [p.name, { ...typeToDict(p.type), required: p.required }]),
  );
  return { type: 'object', properties };
}

/** A default of a float/double param holds Python floats: mark whole numbers so they print `1.0`. */
function markFloats(value: unknown, type: ParamSpec['type']): unknown {
  if (type !== 'float' && type !== 'double') return value;
  if (typeof value === 'number') return new PyFloat(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'number' ? new PyFloat(v) : v));
  return value;
}
