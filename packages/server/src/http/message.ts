import type { FerryError } from '@ferry/core';
import { invalidParam } from '@ferry/core';

/** A request's fields, from the query string (GET) or the JSON body, before any typing. */
export type Message = Record<string, unknown>;

const DOCS_HINT = 'See the API docs for more information about request parameters.';

function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'str';
  return 'dict';
}

/** MLflow's message for a field of the wrong JSON type. */
export function wrongType(name: string, value: unknown): FerryError {
  return invalidParam(
    `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied:  Hint: Value was of type '${pythonTypeName(value)}'. ${DOCS_HINT}`,
  );
}

export function missing(name: string): FerryError {
  return invalidParam(`Missing value for required parameter '${name}'. ${DOCS_HINT}`);
}

const isAbsent = (v: unknown): boolean => v === undefined || v === null || v === '';

/**
 * Typed readers over a Message with the proto-JSON leniency MLflow clients rely on: numbers may come
 * as strings, doubles accept "NaN"/"Infinity", GET parameters are always strings. `path` prefixes
 * field names in errors (e.g. `metrics[0].timestamp`).
 */
export class Fields {
  constructor(
    private readonly msg: Message,
    private readonly path = '',
  ) {}

  private name(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  raw(key: string): unknown {
    return this.msg[key];
  }

  has(key: string): boolean {
    return !isAbsent(this.msg[key]);
  }

  optionalString(key: string): string | undefined {
    const v = this.msg[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw wrongType(this.name(key), v);
    return v;
  }

  string(key: string, ...aliases: string[]): string {
    for (const k of [key, ...aliases]) {
      const v = this.optionalString(k);
      if (v !== undefined && v !== '') return v;
    }
    throw missing(this.name(key));
  }

  optionalInt(key: string): number | undefined {
    const v = this.msg[key];
    if (v === undefined || v === null) return undefined;
    // Beyond 2^53 a JSON number is no longer exact, and no time, step or id gets there.
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
    throw wrongType(this.name(key), v);
  }

  int(key: string): number {
    if (isAbsent(this.msg[key])) throw missing(this.name(key));
    return this.optionalInt(key) as number;
  }

  optionalDouble(key: string): number | undefined {
    const v = this.msg[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'string') {
      const t = v.trim();
      if (t === 'NaN') return NaN;
      if (t === 'Infinity' || t === 'inf') return Infinity;
      if (t === '-Infinity' || t === '-inf') return -Infinity;
      if (t !== '' && Number.isFinite(Number(t))) return Number(t);
    }
    throw wrongType(this.name(key), v);
  }

  double(key: string): number {
    if (isAbsent(this.msg[key])) throw missing(this.name(key));
    return this.optionalDouble(key) as number;
  }

  optionalBool(key: string): boolean | undefined {
    const v = this.msg[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    throw wrongType(this.name(key), v);
  }

  /** An enum given by name (or, as proto JSON allows, by number). */
  optionalEnum<T extends string>(
    key: string,
    values: readonly T[],
    numbers?: Record<number, T>,
  ): T | undefined {
    const v = this.msg[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    if (typeof v === 'number' && numbers?.[v]) return numbers[v];
    if (typeof v === 'string' && /^\d+$/.test(v) && numbers?.[Number(v)]) return numbers[Number(v)];
    throw invalidParam(
      `Invalid value ${JSON.stringify(v)} for parameter '${this.name(key)}' supplied. It must be one of ${values.join(', ')}.`,
    );
  }

  /** A repeated field; a single value (one GET parameter) counts as a list of one. */
  list(key: string): unknown[] {
    const v = this.msg[key];
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : [v];
  }

  stringList(key: string): string[] {
    return this.list(key).map((item, i) => {
      if (typeof item !== 'string') throw wrongType(`${this.name(key)}[${i}]`, item);
      return item;
    });
  }

  /** Nested messages of a repeated field, each with its own readers. */
  messages(key: string): Fields[] {
    const v = this.msg[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw wrongType(this.name(key), v);
    return v.map((item: unknown, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw wrongType(`${this.name(key)}[${i}]`, item);
      }
      return new Fields(item as Message, `${this.name(key)}[${i}]`);
    });
  }

  message(key: string): Fields | undefined {
    const v = this.msg[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(this.name(key), v);
    return new Fields(v as Message, this.name(key));
  }
}
