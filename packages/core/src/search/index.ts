export type { Comparator, Comparison, EntityType, Filter, LoggedModelOrderBy, OrderBy } from './ast.js';
export { parseExperimentFilter, parseRunFilter } from './parse-filter.js';
export { parseExperimentOrderBy, parseRunOrderBy } from './parse-order-by.js';
export { parseModelVersionFilter, parseRegisteredModelFilter } from './parse-registry-filter.js';
export { parseModelVersionOrderBy, parseRegisteredModelOrderBy } from './parse-registry-order-by.js';
export { parseLoggedModelFilter } from './parse-logged-model-filter.js';
export { parseLoggedModelOrderBy, type LoggedModelOrderByEntry } from './parse-logged-model-order-by.js';
