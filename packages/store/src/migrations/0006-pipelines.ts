import type { Kysely, Migration } from 'kysely';
import type { DialectAdapter } from '../dialect/adapter.js';

/**
 * Pipelines (see pipeline-store.ts): pipelines with their numbered versions, pipeline runs with their
 * tasks, the task cache, artifact lineage and schedules. JSON values are stored as text, booleans as
 * 0/1, times as int64 milliseconds.
 *
 * Runs keep their own copy of the spec, so deleting a pipeline (which takes its versions and schedules
 * with it) leaves its runs readable, with the pipeline and schedule ids set to NULL.
 */
export function pipelinesSchema(_adapter: DialectAdapter): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // `last_version` hands out version numbers under the row's lock (as registered_models does).
      await db.schema
        .createTable('pipelines')
        .addColumn('pipeline_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text')
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_version', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('pipeline_versions')
        .addColumn('pipeline_id', 'text', (c) =>
          c.notNull().references('pipelines.pipeline_id').onDelete('cascade'),
        )
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('spec_digest', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('pipeline_versions_pk', ['pipeline_id', 'version'])
        .execute();

      await db.schema
        .createTable('pipeline_schedules')
        .addColumn('schedule_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('pipeline_id', 'text', (c) =>
          c.notNull().references('pipelines.pipeline_id').onDelete('cascade'),
        )
        .addColumn('pipeline_version', 'bigint')
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('experiment_id', 'text', (c) => c.notNull())
        .addColumn('cron', 'text')
        .addColumn('timezone', 'text')
        .addColumn('interval_ms', 'bigint')
        .addColumn('max_concurrency', 'integer', (c) => c.notNull())
        .addColumn('catchup', 'smallint', (c) => c.notNull())
        .addColumn('enabled', 'smallint', (c) => c.notNull())
        .addColumn('next_fire_at', 'bigint')
        .addColumn('last_fired_at', 'bigint')
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('pipeline_schedules_by_pipeline')
        .on('pipeline_schedules')
        .columns(['pipeline_id', 'name'])
        .execute();
      await db.schema
        .createIndex('pipeline_schedules_due')
        .on('pipeline_schedules')
        .columns(['enabled', 'next_fire_at'])
        .execute();

      await db.schema
        .createTable('pipeline_runs')
        .addColumn('run_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('pipeline_id', 'text', (c) => c.references('pipelines.pipeline_id').onDelete('set null'))
        .addColumn('pipeline_version', 'bigint')
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('experiment_id', 'text', (c) => c.notNull())
        .addColumn('tracking_run_id', 'text')
        .addColumn('schedule_id', 'text', (c) =>
          c.references('pipeline_schedules.schedule_id').onDelete('set null'),
        )
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('start_time', 'bigint')
        .addColumn('end_time', 'bigint')
        .addColumn('error', 'text')
        .addColumn('owner', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('options', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('pipeline_runs_created')
        .on('pipeline_runs')
        .columns(['creation_time', 'run_id'])
        .execute();
      await db.schema
        .createIndex('pipeline_runs_by_pipeline')
        .on('pipeline_runs')
        .columns(['pipeline_id', 'creation_time', 'run_id'])
        .execute();
      await db.schema
        .createIndex('pipeline_runs_by_schedule')
        .on('pipeline_runs')
        .columns(['schedule_id', 'status'])
        .execute();
      // The claimable query: unfinished statuses, then the lease's expiry.
      await db.schema
        .createIndex('pipeline_runs_claimable')
        .on('pipeline_runs')
        .columns(['status', 'lease_expires_at'])
        .execute();

      await db.schema
        .createTable('pipeline_tasks')
        .addColumn('run_id', 'text', (c) =>
          c.notNull().references('pipeline_runs.run_id').onDelete('cascade'),
        )
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('parent_task_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('inputs', 'text')
        .addColumn('outputs', 'text')
        .addColumn('cache_key', 'text')
        .addColumn('cached_from_run_id', 'text')
        .addColumn('cached_from_task_id', 'text')
        .addColumn('tracking_run_id', 'text')
        .addColumn('executor_handle', 'text')
        .addColumn('log_uri', 'text')
        .addColumn('error', 'text')
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('start_time', 'bigint')
        .addColumn('end_time', 'bigint')
        .addPrimaryKeyConstraint('pipeline_tasks_pk', ['run_id', 'task_id'])
        .execute();
      await db.schema
        .createIndex('pipeline_tasks_by_run')
        .on('pipeline_tasks')
        .columns(['run_id', 'creation_time', 'task_id'])
        .execute();

      // One entry per key: putting an entry again replaces it.
      await db.schema
        .createTable('pipeline_cache')
        .addColumn('cache_key', 'text', (c) => c.primaryKey())
        .addColumn('outputs', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .execute();

      // Lineage outlives the runs it names (no foreign key): an artifact's producer stays findable.
      await db.schema
        .createTable('pipeline_artifacts')
        .addColumn('uri', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('artifact_type', 'text', (c) => c.notNull())
        .addColumn('digest', 'text')
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('pipeline_artifacts_pk', ['uri', 'run_id', 'task_id', 'role', 'name'])
        .execute();
      await db.schema
        .createIndex('pipeline_artifacts_by_uri')
        .on('pipeline_artifacts')
        .columns(['uri', 'role', 'creation_time'])
        .execute();
      await db.schema
        .createIndex('pipeline_artifacts_by_run')
        .on('pipeline_artifacts')
        .columns(['run_id', 'creation_time'])
        .execute();
    },
  };
}
