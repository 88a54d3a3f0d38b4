export type { Comparator, Comparison, EntityType, Filter, OrderBy } from './ast.js';
export { parseExperimentFilter, parseRunFilter } from './parse-filter.js';
export { parseExperimentOrderBy, parseRunOrderBy } from './parse-order-by.js';
