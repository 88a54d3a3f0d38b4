export * from './errors.js';
export * from './entities.js';
export * from './validation.js';
export * from './page-token.js';
export * from './ids.js';
export * from './search/index.js';
export * from './registry.js';
export * from './registry-validation.js';
