import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Kysely } from 'kysely';
import { ferryMigrator } from '../src/migrate.js';
import { migrateToLatest } from '../src/index.js';
import type { SqlTrackingStore } from '../src/index.js';
import { BACKENDS, newStore } from './backends.js';
import type { Backend, TestDatabase } from './backends.js';
import { range } from './helpers.js';

const exec = promisify(execFile);

/** Runs `fn` on a fresh, empty database of the backend and drops it afterwards. */
async function withDatabase(backend: Backend, fn: (database: TestDatabase) => Promise<void>): Promise<void> {
  const database = await backend.createDatabase();
  try {
    await fn(database);
  } finally {
    await database.drop();
  }
}

/** Every migration, in order, as the store applies them. */
const ALL_MIGRATIONS = [
  '0001-tracking',
  '0002-models',
  '0003-webhooks',
  '0004-metric-rollups',
  '0005-registry-history',
  '0006-pipelines',
];

async function closeAll(stores: SqlTrackingStore[]): Promise<void> {
  await Promise.allSettled(stores.map((s) => s.close()));
}

async function appliedMigrations(database: TestDatabase): Promise<string[]> {
  return (await database.query('select name from ferry_migrations order by name')).map((r) =>
    String(r['name']),
  );
}

async function count(database: TestDatabase, sqlText: string): Promise<number> {
  return Number((await database.query(sqlText))[0]?.['n']);
}

describe.each(BACKENDS)('migrations on $name', (backend) => {
  it('opening a store twice on one database migrates once; the second open is a no-op', async () => {
    await withDatabase(backend, async (database) => {
      const stores: SqlTrackingStore[] = [];
      try {
        const first = newStore(database.adapter());
        stores.push(first);
        await first.open();
        const exp = await first.createExperiment({ name: 'kept', tags: [{ key: 'k', value: 'v' }] });
        const run = (await first.createRun({ experimentId: exp, runName: 'r', startTime: 5 })).info.run_id;
        await first.logBatch(run, {
          metrics: [{ key: 'm', value: 1.5, step: 2, timestamp: 3 }],
          params: [{ key: 'p', value: '1' }],
        });
        await first.close();
        expect(await appliedMigrations(database)).toEqual(ALL_MIGRATIONS);

        const second = newStore(database.adapter());
        stores.push(second);
        await second.open();
        await second.open();
        expect(await appliedMigrations(database)).toEqual(ALL_MIGRATIONS);
        expect(await count(database, 'select count(*) as n from experiments where experiment_id = 0')).toBe(
          1,
        );
        expect(await second.getExperiment(exp)).toMatchObject({
          name: 'kept',
          tags: [{ key: 'k', value: 'v' }],
        });
        const got = await second.getRun(run);
        expect(got.info.run_name).toBe('r');
        expect(got.data.params).toEqual([{ key: 'p', value: '1' }]);
        expect(got.data.metrics).toEqual([{ key: 'm', value: 1.5, step: 2, timestamp: 3 }]);
        expect((await second.getExperiment('0')).artifact_location).toBe('mlflow-artifacts:/0');
        // Still writable, and ids continue after the existing ones.
        const next = await second.createExperiment({ name: 'after-reopen' });
        expect(Number(next)).toBeGreaterThan(Number(exp));
      } finally {
        await closeAll(stores);
      }
    });
  });

  it('migrateToLatest applies everything the first time and nothing afterwards', async () => {
    await withDatabase(backend, async (database) => {
      const adapter = database.adapter();
      const db = new Kysely<unknown>({ dialect: adapter.createDialect() });
      try {
        expect(await migrateToLatest(db, adapter)).toEqual({ applied: ALL_MIGRATIONS });
        expect(await migrateToLatest(db, adapter)).toEqual({ applied: [] });
        expect(await appliedMigrations(database)).toEqual(ALL_MIGRATIONS);
      } finally {
        await db.destroy();
      }
    });
  });
});

describe.each(BACKENDS)('upgrading a database with history on $name', (backend) => {
  it('metric history logged before summaries existed is summarised on its first downsampled read', async () => {
    await withDatabase(backend, async (database) => {
      const adapter = database.adapter();
      const db = new Kysely<unknown>({ dialect: adapter.createDialect() });
      try {
        expect((await ferryMigrator(db, adapter).migrateTo('0003-webhooks')).error).toBeUndefined();
        for (const statement of [
          `insert into experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time)
             values ('old', 'x', 'active', 0, 0)`,
          `insert into runs (run_uuid, name, experiment_id, user_id, status, start_time, artifact_uri, lifecycle_stage)
             select 'r1', 'old run', experiment_id, 'u', 'FINISHED', 0, 'x', 'active' from experiments where name = 'old'`,
          `insert into latest_metrics (run_uuid, key, timestamp, step, value, is_nan) values ('r1', 'loss', 0, 24999, 0, 0)`,
          // 25,000 points of a sawtooth with one spike, written as a 0003 database held them.
          `with recursive n(i) as (select 0 union all select i + 1 from n where i < 24999)
             insert into metrics (series_id, timestamp, step, value, is_nan)
             select (select series_id from latest_metrics), i * 10, i,
                    case when i = 777 then 1000 else (i % 100) / 100.0 end, 0 from n`,
        ]) {
          await database.query(statement);
        }
      } finally {
        await db.destroy();
      }
      const store = newStore(database.adapter());
      try {
        await store.open();
        expect(await count(database, 'select count(*) as n from latest_metrics where rollup_state = 2')).toBe(
          1,
        );
        const [series] = await store.getMetricHistoryDownsampled({
          runIds: ['r1'],
          key: 'loss',
          maxPoints: 500,
          xAxis: 'step',
        });
        expect(series).toMatchObject({ totalPoints: 25_000, downsampled: true });
        expect(series!.points.length).toBeLessThanOrEqual(500);
        expect(series!.points).toContainEqual({ step: 777, timestamp: 7770, value: 1000 });
        expect(series!.points[0]).toEqual({ step: 0, timestamp: 0, value: 0 });
        expect(series!.points.at(-1)).toEqual({ step: 24_999, timestamp: 249_990, value: 0.99 });
        expect(await count(database, 'select count(*) as n from latest_metrics where rollup_state = 1')).toBe(
          1,
        );
      } finally {
        await store.close();
      }
    });
  });
});

describe('migrations on postgresql, concurrently', () => {
  const backend = BACKENDS.find((b) => b.name === 'postgresql') as Backend;

  it('two stores opening one fresh database at once both succeed, and the schema exists once', async () => {
    await withDatabase(backend, async (database) => {
      const stores = [newStore(database.adapter()), newStore(database.adapter())];
      try {
        const results = await Promise.allSettled(stores.map((s) => s.open()));
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
        expect(await appliedMigrations(database)).toEqual(ALL_MIGRATIONS);
        expect(
          await count(
            database,
            "select count(*) as n from information_schema.tables where table_name = 'experiments'",
          ),
        ).toBe(1);
        expect(await count(database, 'select count(*) as n from experiments')).toBe(1);
        const [a, b] = stores as [SqlTrackingStore, SqlTrackingStore];
        const id = await a.createExperiment({ name: 'seen-by-both' });
        expect((await b.getExperiment(id)).name).toBe('seen-by-both');
        expect((await b.getExperiment('0')).artifact_location).toBe('mlflow-artifacts:/0');
      } finally {
        await closeAll(stores);
      }
    });
  });

  it('of five concurrent migrateToLatest calls exactly one applies the migrations', async () => {
    await withDatabase(backend, async (database) => {
      const adapter = database.adapter();
      const dbs = range(5).map(() => new Kysely<unknown>({ dialect: adapter.createDialect() }));
      try {
        const outcomes = await Promise.all(dbs.map((db) => migrateToLatest(db, adapter)));
        expect(outcomes.filter((o) => o.error !== undefined)).toEqual([]);
        expect(outcomes.map((o) => o.applied.length).sort()).toEqual([0, 0, 0, 0, ALL_MIGRATIONS.length]);
        expect(await appliedMigrations(database)).toEqual(ALL_MIGRATIONS);
        expect(await count(database, 'select count(*) as n from experiments')).toBe(1);
      } finally {
        await Promise.allSettled(dbs.map((db) => db.destroy()));
      }
    });
  });
});

// SQLite's driver is synchronous, so contending opens must come from separate processes (as they do
// in production: server workers, scripts with a sqlite:/// tracking URI). They run the built store.
describe('migrations on sqlite, from several processes at once', () => {
  const backend = BACKENDS.find((b) => b.name === 'sqlite') as Backend;
  const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));

  it('every process opens the fresh database; the schema is created once', async () => {
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);
    await withDatabase(backend, async (database) => {
      const file = database.adapter().description.replace(/^sqlite:\/\/\//, '');
      // Every process waits for the same instant before opening, so their migrations really overlap.
      const startAt = Date.now() + 2000;
      const script = `
        const { SqlTrackingStore, sqliteAdapter } = await import(${JSON.stringify(pathToFileURL(built).href)});
        const store = new SqlTrackingStore({ adapter: sqliteAdapter(${JSON.stringify(file)}), defaultArtifactRoot: 'mlflow-artifacts:/' });
        await new Promise((r) => setTimeout(r, ${startAt} - Date.now()));
        try { await store.open(); } finally { await store.close(); }`;
      const results = await Promise.allSettled(
        range(8).map(() => exec(process.execPath, ['--input-type=module', '-e', script])),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(await appliedMigrations(database)).toEqual(ALL_MIGRATIONS);
      expect(await count(database, 'select count(*) as n from experiments')).toBe(1);
    });
  });
});
