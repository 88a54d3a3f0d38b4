import type { Migration } from 'kysely';
import type { DialectAdapter } from '../dialect/adapter.js';
import { trackingSchema } from './0001-tracking.js';
import { modelsSchema } from './0002-models.js';
import { webhooksSchema } from './0003-webhooks.js';
import { metricRollupsSchema } from './0004-metric-rollups.js';
import { registryHistorySchema } from './0005-registry-history.js';
import { pipelinesSchema } from './0006-pipelines.js';

/** Every migration, in order. Names are permanent: never rename or reorder one that has shipped. */
export function allMigrations(adapter: DialectAdapter): Record<string, Migration> {
  return {
    '0001-tracking': trackingSchema(adapter),
    '0002-models': modelsSchema(adapter),
    '0003-webhooks': webhooksSchema(adapter),
    '0004-metric-rollups': metricRollupsSchema(adapter),
    '0005-registry-history': registryHistorySchema(adapter),
    '0006-pipelines': pipelinesSchema(adapter),
  };
}
