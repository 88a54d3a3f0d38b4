import type { Kysely, Migration } from 'kysely';
import type { DialectAdapter } from '../dialect/adapter.js';

/**
 * The history of each model version: its creation, stage transitions (including the archiving of
 * other versions as a side effect) and aliases set on it or taken off it.
 *
 * Events point at the version by the model's surrogate id, not its name: a rename rewrites only the
 * registered_models row, so the history stays attached and reads back under the new name. Deleting
 * the version (or its model) deletes its history through the foreign key.
 */
export function registryHistorySchema(adapter: DialectAdapter): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('model_version_events')
        // Insertion order is the order things happened in, also between events with the same timestamp.
        .addColumn('event_id', adapter.autoIncrementType, adapter.autoIncrement)
        .addColumn('model_id', 'bigint', (c) => c.notNull())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('from_stage', 'text')
        .addColumn('to_stage', 'text')
        .addColumn('alias', 'text')
        .addColumn('user_id', 'text')
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addForeignKeyConstraint(
          'model_version_events_version_fk',
          ['model_id', 'version'],
          'model_versions',
          ['model_id', 'version'],
          (fk) => fk.onDelete('cascade'),
        )
        .execute();
      await db.schema
        .createIndex('model_version_events_by_version')
        .on('model_version_events')
        .columns(['model_id', 'version', 'event_id'])
        .execute();
    },
  };
}
