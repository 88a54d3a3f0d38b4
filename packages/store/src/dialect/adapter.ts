import type { ColumnDefinitionBuilder, CreateTableBuilder, Dialect, RawBuilder } from 'kysely';

/**
 * Everything that differs between the databases Ferry runs on, stated once. Queries are written
 * against kysely and never branch on the database; they ask this object instead.
 */
export interface DialectAdapter {
  readonly name: 'sqlite' | 'postgresql';
  /** The kysely dialect, opened lazily by kysely on first use. */
  createDialect(): Dialect;
  /** SQL type and modifiers of an auto-incrementing integer primary key. */
  readonly autoIncrementType: 'integer' | 'bigserial';
  autoIncrement(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** Table options for tables that are only ever read by primary key (compact storage where available). */
  compactTable<T extends string, C extends string>(table: CreateTableBuilder<T, C>): CreateTableBuilder<T, C>;
  /** A JSON array literal of the given SQL expressions. */
  jsonArray(items: RawBuilder<unknown>[]): RawBuilder<unknown>;
  /** A JSON object literal from (name, SQL expression) pairs, in that order. */
  jsonObject(entries: [string, RawBuilder<unknown>][]): RawBuilder<unknown>;
  /** A stored metric value as JSON: the number, or the string "NaN" when the NaN flag is set. */
  jsonMetricValue(value: RawBuilder<unknown>, isNan: RawBuilder<unknown>): RawBuilder<unknown>;
  /**
   * Aggregate of `element` over a group as JSON array text (`'[]'` for no rows), ordered by
   * `orderBy` when given (otherwise in the order rows reach it, which SQL does not promise). Reading
   * many rows as one JSON text is far cheaper than one driver row per entry.
   */
  jsonArrayAgg(element: RawBuilder<unknown>, orderBy?: RawBuilder<unknown>): RawBuilder<string>;
  /**
   * Select items for a GROUP BY query naming, per group, the least (`min`) or greatest (`max`) of
   * `value` as `extreme`, then `columns` (numeric columns of the grouped rows, under their own names)
   * read from one row holding that extreme: an arg-min/arg-max in one pass, with no sort. Rows whose
   * `value` is NULL lose to any other; when a group has only those, the columns come from one of them.
   * Ties go to any one of the tied rows. Use it for one aggregate per query (SQLite's "bare columns"
   * follow a lone min() or max() only).
   */
  extremeRow(fn: 'min' | 'max', value: RawBuilder<unknown>, columns: string[]): RawBuilder<unknown>[];
  /** True when an error from the driver is a unique/primary key violation. */
  isUniqueViolation(error: unknown): boolean;
  /** True for errors a transaction may simply be retried after (deadlock, serialization failure, busy). */
  isTransient(error: unknown): boolean;
  /** Largest number of bound parameters one statement may carry. */
  readonly maxParameters: number;
  /** A human-readable location for logs (never includes a password). */
  readonly description: string;
}
