import { invalidParam } from '@ferry/core';
import { pyRepr } from './py-repr.js';
import type { Schema } from './schema.js';
import { schemaSpecs } from './schema.js';

/**
 * The shape rules MLflow's `Schema` constructor enforces, so that a schema Ferry writes is one MLflow
 * can read. INVALID_PARAMETER_VALUE with MLflow's messages.
 */
export function validateSchema(schema: Schema): void {
  const specs = schemaSpecs(schema);
  if (specs.length === 0) throw invalidParam('Creating Schema with empty inputs is not allowed.');
  const named = specs.filter((s) => s.name !== undefined).length;
  if (named !== 0 && named !== specs.length) {
    throw invalidParam(
      'Creating Schema with a combination of named and unnamed inputs is not allowed. ' +
        `Got input names ${pyRepr(specs.map((s) => s.name ?? null))}`,
    );
  }
  if (schema.kind === 'tensors' && specs.length > 1 && named === 0) {
    throw invalidParam(
      'Creating Schema with multiple unnamed TensorSpecs is not supported. ' +
        'Please provide names for each TensorSpec.',
    );
  }
  if (schema.kind === 'columns' && named === 0 && schema.columns.some((c) => !c.required)) {
    throw invalidParam(
      'Creating Schema with unnamed optional inputs is not supported. ' +
        'Please name all inputs or make all inputs required.',
    );
  }
}
