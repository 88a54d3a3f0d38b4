import type { Kysely, Migration } from 'kysely';
import type { DialectAdapter } from '../dialect/adapter.js';

/**
 * Registry webhooks: one row per webhook (its secret encrypted), the events each is subscribed to,
 * and the database's own secret-encryption key for deployments that configure none.
 */
export function webhooksSchema(adapter: DialectAdapter): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('webhooks')
        .addColumn('webhook_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('secret', 'text')
        .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_timestamp', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhooks_created')
        .on('webhooks')
        .columns(['creation_timestamp', 'webhook_id'])
        .execute();

      // `position` keeps the events in the order they were given, which listings repeat.
      await adapter
        .compactTable(
          db.schema
            .createTable('webhook_events')
            .addColumn('webhook_id', 'text', (c) =>
              c.notNull().references('webhooks.webhook_id').onDelete('cascade'),
            )
            .addColumn('entity', 'text', (c) => c.notNull())
            .addColumn('action', 'text', (c) => c.notNull())
            .addColumn('position', 'integer', (c) => c.notNull())
            .addPrimaryKeyConstraint('webhook_events_pk', ['webhook_id', 'entity', 'action']),
        )
        .execute();
      await db.schema
        .createIndex('webhook_events_by_event')
        .on('webhook_events')
        .columns(['entity', 'action', 'webhook_id'])
        .execute();

      await db.schema
        .createTable('webhook_secret_keys')
        .addColumn('key_id', 'text', (c) => c.primaryKey())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
