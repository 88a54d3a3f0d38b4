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
 * Attribute keys are canonical: runs `run_name`, `start_time` (the alias `created` becomes
 * `start_time`); model versions `name`, `run_id`, `source_path`, `version_number`; logged models
 * `creation_timestamp_ms`, `last_updated_timestamp_ms` for every spelling of those two times.
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

/**
 * A search_logged_models ordering: an attribute, or a metric (its latest value) optionally taken only
 * from metrics logged on the named dataset and/or digest.
 */
export interface LoggedModelOrderBy extends OrderBy {
  datasetName?: string;
  datasetDigest?: string;
}
