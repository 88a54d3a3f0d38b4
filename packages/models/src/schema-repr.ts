import { pyShape, pyStr, pyStrValue } from './py-repr.js';
import type { ColumnType, ParamSpec, Schema } from './schema.js';

/** `repr(schema)` as MLflow prints it in enforcement errors: `['a': double (required), …]`. */
export function schemaRepr(schema: Schema): string {
  const items =
    schema.kind === 'columns'
      ? schema.columns.map((c) => {
          const body = `${typeRepr(c.type)} (${c.required ? 'required' : 'optional'})`;
          return c.name === undefined ? body : `${pyStr(c.name)}: ${body}`;
        })
      : schema.tensors.map((t) => {
          const body = `Tensor(${pyStr(t.dtype)}, ${pyShape(t.shape)})`;
          return t.name === undefined ? body : `${pyStr(t.name)}: ${body}`;
        });
  return `[${items.join(', ')}]`;
}

/** `repr()` of a column type: `double`, `Array(string)`, `{a: long (required)}`, `Map(str -> double)`. */
export function typeRepr(type: ColumnType): string {
  if (typeof type === 'string') return type;
  switch (type.type) {
    case 'array':
      return `Array(${typeRepr(type.items)})`;
    case 'object':
      return `{${type.properties
        .map((p) => `${p.name}: ${typeRepr(p.type)} (${p.required ? 'required' : 'optional'})`)
        .join(', ')}}`;
    case 'map':
      return `Map(str -> ${typeRepr(type.values)})`;
    case 'any':
      return 'Any';
    case 'sparkml_vector':
      return 'SparkML vector';
  }
}

/** `repr(ParamSpec)`: `'temperature': double (default: 0.5)`, plus ` (shape: (-1,))` for lists. */
export function paramSpecRepr(spec: ParamSpec): string {
  const shape = spec.shape === null ? '' : ` (shape: ${pyShape(spec.shape)})`;
  const type = typeof spec.type === 'string' ? spec.type : typeRepr(spec.type);
  return `${pyStr(spec.name)}: ${type} (default: ${pyStrValue(spec.default)})${shape}`;
}
