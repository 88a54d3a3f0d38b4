/**
 * The parsed form of an MLflow search filter and order_by clause. Parsing happens once, in core;
 * each store only compiles this AST to its query language.
 */

/** Entity a comparison or ordering key refers to, canonicalised from MLflow's many prefixes. */
export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

export type Comparator =
  '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN' | 'IS NULL' | 'IS NOT NULL';

/**
 * One `<entity>.<key> <comparator> <value>` clause. `value` is a number for numeric comparisons,
 * a string for string comparisons, a non-empty string list for IN / NOT IN and null for IS [NOT] NULL.
 * Attribute keys are canonical (`run_name`, `start_time`; the alias `created` becomes `start_time`).
 */
export interface Comparison {
  type: EntityType;
  key: string;
  comparator: Comparator;
  value: number | string | string[] | null;
}

/** Clauses joined by AND — MLflow's grammar has no OR. An empty list matches everything. */
export type Filter = Comparison[];

export interface OrderBy {
  type: EntityType;
  key: string;
  ascending: boolean;
}
