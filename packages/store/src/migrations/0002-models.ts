import type { Kysely, Migration } from 'kysely';
import type { DialectAdapter } from '../dialect/adapter.js';

/**
 * The model registry (registered models, versions, tags, aliases) and MLflow 3's logged models with
 * their params, tags, metrics and the runs that output them.
 */
export function modelsSchema(adapter: DialectAdapter): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // A surrogate id keeps a rename to one row; `last_version` hands out version numbers under the
      // row's lock, so concurrent registrations get distinct numbers and deleted ones are never reused.
      await db.schema
        .createTable('registered_models')
        .addColumn('model_id', adapter.autoIncrementType, adapter.autoIncrement)
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('user_id', 'text')
        .addColumn('deployment_job_id', 'text')
        .addColumn('last_version', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('registered_models_updated')
        .on('registered_models')
        .columns(['last_updated_time', 'name'])
        .execute();

      await adapter
        .compactTable(
          db.schema
            .createTable('registered_model_tags')
            .addColumn('model_id', 'bigint', (c) =>
              c.notNull().references('registered_models.model_id').onDelete('cascade'),
            )
            .addColumn('key', 'text', (c) => c.notNull())
            .addColumn('value', 'text', (c) => c.notNull())
            .addPrimaryKeyConstraint('registered_model_tags_pk', ['model_id', 'key']),
        )
        .execute();

      await db.schema
        .createTable('model_versions')
        .addColumn('model_id', 'bigint', (c) =>
          c.notNull().references('registered_models.model_id').onDelete('cascade'),
        )
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('user_id', 'text')
        .addColumn('current_stage', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        // Where the files are: the source with `models:/` and logged-model references resolved.
        .addColumn('storage_location', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('run_link', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_message', 'text')
        .addColumn('logged_model_id', 'text')
        .addPrimaryKeyConstraint('model_versions_pk', ['model_id', 'version'])
        .execute();
      await db.schema.createIndex('model_versions_run').on('model_versions').column('run_id').execute();
      await db.schema
        .createIndex('model_versions_updated')
        .on('model_versions')
        .columns(['last_updated_time', 'model_id', 'version'])
        .execute();

      await adapter
        .compactTable(
          db.schema
            .createTable('model_version_tags')
            .addColumn('model_id', 'bigint', (c) => c.notNull())
            .addColumn('version', 'bigint', (c) => c.notNull())
            .addColumn('key', 'text', (c) => c.notNull())
            .addColumn('value', 'text', (c) => c.notNull())
            .addPrimaryKeyConstraint('model_version_tags_pk', ['model_id', 'version', 'key'])
            .addForeignKeyConstraint(
              'model_version_tags_version_fk',
              ['model_id', 'version'],
              'model_versions',
              ['model_id', 'version'],
              (fk) => fk.onDelete('cascade'),
            ),
        )
        .execute();

      await adapter
        .compactTable(
          db.schema
            .createTable('registered_model_aliases')
            .addColumn('model_id', 'bigint', (c) => c.notNull())
            .addColumn('alias', 'text', (c) => c.notNull())
            .addColumn('version', 'bigint', (c) => c.notNull())
            .addPrimaryKeyConstraint('registered_model_aliases_pk', ['model_id', 'alias'])
            .addForeignKeyConstraint(
              'registered_model_aliases_version_fk',
              ['model_id', 'version'],
              'model_versions',
              ['model_id', 'version'],
              (fk) => fk.onDelete('cascade'),
            ),
        )
        .execute();

      await db.schema
        .createTable('logged_models')
        .addColumn('model_id', 'text', (c) => c.primaryKey())
        .addColumn('experiment_id', 'bigint', (c) =>
          c.notNull().references('experiments.experiment_id').onDelete('cascade'),
        )
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('artifact_location', 'text', (c) => c.notNull())
        .addColumn('creation_timestamp_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_timestamp_ms', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_message', 'text')
        .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
        .addColumn('model_type', 'text', (c) => c.notNull())
        .addColumn('source_run_id', 'text')
        .execute();
      await db.schema
        .createIndex('logged_models_experiment_created')
        .on('logged_models')
        .columns(['experiment_id', 'creation_timestamp_ms', 'model_id'])
        .execute();
      await db.schema
        .createIndex('logged_models_source_run')
        .on('logged_models')
        .column('source_run_id')
        .execute();

      for (const table of ['logged_model_params', 'logged_model_tags'] as const) {
        await adapter
          .compactTable(
            db.schema
              .createTable(table)
              .addColumn('model_id', 'text', (c) =>
                c.notNull().references('logged_models.model_id').onDelete('cascade'),
              )
              .addColumn('key', 'text', (c) => c.notNull())
              .addColumn('value', 'text', (c) => c.notNull())
              .addPrimaryKeyConstraint(`${table}_pk`, ['model_id', 'key']),
          )
          .execute();
      }

      // Metrics logged with a model_id, in the run's context; '' stands for "no dataset" so the
      // primary key needs no nullable columns.
      await adapter
        .compactTable(
          db.schema
            .createTable('logged_model_metrics')
            .addColumn('model_id', 'text', (c) =>
              c.notNull().references('logged_models.model_id').onDelete('cascade'),
            )
            .addColumn('key', 'text', (c) => c.notNull())
            .addColumn('timestamp', 'bigint', (c) => c.notNull())
            .addColumn('step', 'bigint', (c) => c.notNull())
            .addColumn('run_id', 'text', (c) => c.notNull())
            .addColumn('dataset_name', 'text', (c) => c.notNull())
            .addColumn('dataset_digest', 'text', (c) => c.notNull())
            .addColumn('value', 'double precision', (c) => c.notNull())
            .addColumn('is_nan', 'smallint', (c) => c.notNull())
            .addPrimaryKeyConstraint('logged_model_metrics_pk', [
              'model_id',
              'key',
              'timestamp',
              'step',
              'run_id',
              'dataset_name',
              'dataset_digest',
            ]),
        )
        .execute();

      // runs/outputs (the models a run produced, at which step) and the model inputs of log-inputs.
      await adapter
        .compactTable(
          db.schema
            .createTable('run_model_outputs')
            .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
            .addColumn('model_id', 'text', (c) => c.notNull())
            .addColumn('step', 'bigint', (c) => c.notNull())
            .addPrimaryKeyConstraint('run_model_outputs_pk', ['run_uuid', 'model_id']),
        )
        .execute();
      await adapter
        .compactTable(
          db.schema
            .createTable('run_model_inputs')
            .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
            .addColumn('model_id', 'text', (c) => c.notNull())
            .addPrimaryKeyConstraint('run_model_inputs_pk', ['run_uuid', 'model_id']),
        )
        .execute();
    },
  };
}
