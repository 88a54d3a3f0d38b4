import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import type { DialectAdapter } from '../dialect/adapter.js';

/**
 * Per-bucket summaries of metric histories, so a chart of a million-point series reads a few thousand
 * summary rows instead of the million points (see sql/metric-rollups.ts).
 *
 * Only long series are summarised (see ROLLUP_MIN_POINTS): `latest_metrics.points_sent` tells when a
 * series gets long, `rollup_state` whether it is summarised (0: short, not summarised; 1: summarised;
 * 2: predates this migration, looked at on its first downsampled read — which keeps the migration
 * itself instant however much history a database holds).
 */
export function metricRollupsSchema(adapter: DialectAdapter): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Per point kept: x (the axis' coordinate), y (the other one) and the value.
      const pointColumns = (prefix: string) => [`${prefix}_x`, `${prefix}_y`, `${prefix}_value`];
      let table = db.schema
        .createTable('metric_rollups')
        .addColumn('series_id', 'bigint', (c) =>
          c.notNull().references('latest_metrics.series_id').onDelete('cascade'),
        )
        // 0: x is the step, 1: x is the timestamp.
        .addColumn('axis', 'smallint', (c) => c.notNull())
        .addColumn('level', 'smallint', (c) => c.notNull())
        .addColumn('bucket', 'bigint', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull());
      // The first and last points along x (NaN or not).
      for (const prefix of ['first', 'last']) {
        const [x, y, value] = pointColumns(prefix) as [string, string, string];
        table = table
          .addColumn(x, 'bigint', (c) => c.notNull())
          .addColumn(y, 'bigint', (c) => c.notNull())
          .addColumn(value, 'double precision', (c) => c.notNull())
          .addColumn(`${prefix}_nan`, 'smallint', (c) => c.notNull());
      }
      // The least and greatest non-NaN values (null when the bucket holds only NaN), and one NaN point.
      for (const prefix of ['min', 'max']) {
        const [x, y, value] = pointColumns(prefix) as [string, string, string];
        table = table.addColumn(x, 'bigint').addColumn(y, 'bigint').addColumn(value, 'double precision');
      }
      table = table.addColumn('nan_x', 'bigint').addColumn('nan_y', 'bigint');
      await adapter
        .compactTable(
          table.addPrimaryKeyConstraint('metric_rollups_pk', ['series_id', 'axis', 'level', 'bucket']),
        )
        .execute();
      // How many points each series has been sent (duplicates included: a threshold, not a total), and
      // whether its summaries exist. Series already there are marked for summarising on first read.
      await db.schema
        .alterTable('latest_metrics')
        .addColumn('points_sent', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('latest_metrics')
        .addColumn('rollup_state', 'smallint', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`update latest_metrics set rollup_state = 2`.execute(db);
    },
  };
}
