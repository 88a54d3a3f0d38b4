import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import type { DialectAdapter } from '../dialect/adapter.js';

/** The tracking schema: experiments, runs, params, tags, metric history + latest values, datasets. */
export function trackingSchema(adapter: DialectAdapter): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('experiments')
        .addColumn('experiment_id', adapter.autoIncrementType, adapter.autoIncrement)
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('artifact_location', 'text', (c) => c.notNull())
        .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_update_time', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('experiments_creation_time')
        .on('experiments')
        .columns(['creation_time', 'experiment_id'])
        .execute();

      await adapter
        .compactTable(
          db.schema
            .createTable('experiment_tags')
            .addColumn('experiment_id', 'bigint', (c) =>
              c.notNull().references('experiments.experiment_id').onDelete('cascade'),
            )
            .addColumn('key', 'text', (c) => c.notNull())
            .addColumn('value', 'text', (c) => c.notNull())
            .addPrimaryKeyConstraint('experiment_tags_pk', ['experiment_id', 'key']),
        )
        .execute();

      await db.schema
        .createTable('runs')
        .addColumn('run_uuid', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('experiment_id', 'bigint', (c) =>
          c.notNull().references('experiments.experiment_id').onDelete('cascade'),
        )
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('start_time', 'bigint', (c) => c.notNull())
        .addColumn('end_time', 'bigint')
        .addColumn('deleted_time', 'bigint')
        .addColumn('artifact_uri', 'text', (c) => c.notNull())
        .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
        .execute();
      // The default search order, served straight from the index.
      await db.schema
        .createIndex('runs_experiment_start')
        .on('runs')
        .columns(['experiment_id', 'lifecycle_stage', 'start_time', 'run_uuid'])
        .execute();

      for (const table of ['params', 'tags'] as const) {
        await adapter
          .compactTable(
            db.schema
              .createTable(table)
              .addColumn('run_uuid', 'text', (c) =>
                c.notNull().references('runs.run_uuid').onDelete('cascade'),
              )
              .addColumn('key', 'text', (c) => c.notNull())
              .addColumn('value', 'text', (c) => c.notNull())
              .addPrimaryKeyConstraint(`${table}_pk`, ['run_uuid', 'key']),
          )
          .execute();
        // Filters such as `params.lr = '0.1'` look up by key and value across runs.
        await db.schema.createIndex(`${table}_key_value`).on(table).columns(['key', 'value']).execute();
      }

      // One row per (run, metric key): the series' integer id, which history rows hang off so they
      // stay narrow, and its latest value, which search, ordering and run listings read.
      await db.schema
        .createTable('latest_metrics')
        .addColumn('series_id', adapter.autoIncrementType, adapter.autoIncrement)
        .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('is_nan', 'smallint', (c) => c.notNull())
        .addUniqueConstraint('latest_metrics_run_key', ['run_uuid', 'key'])
        .execute();
      // History in the order get-history returns it, so a read is one primary-key range scan.
      await adapter
        .compactTable(
          db.schema
            .createTable('metrics')
            .addColumn('series_id', 'bigint', (c) =>
              c.notNull().references('latest_metrics.series_id').onDelete('cascade'),
            )
            .addColumn('timestamp', 'bigint', (c) => c.notNull())
            .addColumn('step', 'bigint', (c) => c.notNull())
            .addColumn('value', 'double precision', (c) => c.notNull())
            .addColumn('is_nan', 'smallint', (c) => c.notNull())
            .addPrimaryKeyConstraint('metrics_pk', ['series_id', 'timestamp', 'step', 'value', 'is_nan']),
        )
        .execute();
      // No (key, value) index here: every log-metric would pay to maintain it, and searches are scoped
      // by experiment, so the runs index is the better place to start; the filter probes (run, key).
      await db.schema
        .createTable('datasets')
        .addColumn('dataset_uuid', 'text', (c) => c.primaryKey())
        .addColumn('experiment_id', 'bigint', (c) =>
          c.notNull().references('experiments.experiment_id').onDelete('cascade'),
        )
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('source_type', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('schema', 'text')
        .addColumn('profile', 'text')
        .addUniqueConstraint('datasets_experiment_name_digest', ['experiment_id', 'name', 'digest'])
        .execute();
      await adapter
        .compactTable(
          db.schema
            .createTable('run_inputs')
            .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
            .addColumn('dataset_uuid', 'text', (c) =>
              c.notNull().references('datasets.dataset_uuid').onDelete('cascade'),
            )
            .addPrimaryKeyConstraint('run_inputs_pk', ['run_uuid', 'dataset_uuid']),
        )
        .execute();
      await adapter
        .compactTable(
          db.schema
            .createTable('input_tags')
            .addColumn('run_uuid', 'text', (c) => c.notNull())
            .addColumn('dataset_uuid', 'text', (c) => c.notNull())
            .addColumn('key', 'text', (c) => c.notNull())
            .addColumn('value', 'text', (c) => c.notNull())
            .addPrimaryKeyConstraint('input_tags_pk', ['run_uuid', 'dataset_uuid', 'key'])
            .addForeignKeyConstraint(
              'input_tags_input_fk',
              ['run_uuid', 'dataset_uuid'],
              'run_inputs',
              ['run_uuid', 'dataset_uuid'],
              (fk) => fk.onDelete('cascade'),
            ),
        )
        .execute();

      const now = Date.now();
      await sql`insert into experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
        values (0, 'Default', '', 'active', ${now}, ${now})`.execute(db);
    },
  };
}
