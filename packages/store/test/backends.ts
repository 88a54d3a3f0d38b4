import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { SqlTrackingStore, postgresAdapter, sqliteAdapter } from '../src/index.js';
import type { DialectAdapter } from '../src/index.js';

/**
 * The databases every store test runs against. SQLite always works; PostgreSQL is expected at
 * FERRY_TEST_POSTGRES_URL (default: local trust auth). An unreachable PostgreSQL fails the tests
 * loudly instead of skipping them, so a green run always means both backends were exercised.
 */

export const DEFAULT_ARTIFACT_ROOT = 'mlflow-artifacts:/';

const POSTGRES_URL = process.env.FERRY_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** One empty database, private to a test. */
export interface TestDatabase {
  /** A new adapter on this database; every store built on it opens its own connections. */
  adapter(): DialectAdapter;
  /** Raw SQL against the database, for looking at what the store wrote (no parameters). */
  query(sqlText: string): Promise<Record<string, unknown>[]>;
  /** Removes the database; close every store on it first. */
  drop(): Promise<void>;
}

export interface OpenedStore {
  store: SqlTrackingStore;
  cleanup(): Promise<void>;
  database: TestDatabase;
}

export interface Backend {
  name: 'sqlite' | 'postgresql';
  /** A fresh database with an opened (migrated) store on it. */
  create(): Promise<OpenedStore>;
  /** A fresh database with nothing in it (no schema). */
  createDatabase(): Promise<TestDatabase>;
}

/** A store on the adapter, constructed the way the server constructs it, not yet opened. */
export function newStore(adapter: DialectAdapter): SqlTrackingStore {
  return new SqlTrackingStore({ adapter, defaultArtifactRoot: DEFAULT_ARTIFACT_ROOT });
}

async function openOn(database: TestDatabase): Promise<OpenedStore> {
  const store = newStore(database.adapter());
  try {
    await store.open();
  } catch (error) {
    await store.close().catch(() => undefined);
    await database.drop().catch(() => undefined);
    throw error;
  }
  let closed = false;
  return {
    store,
    database,
    async cleanup() {
      if (closed) return;
      closed = true;
      try {
        await store.close();
      } finally {
        await database.drop();
      }
    },
  };
}

async function createSqliteDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-store-test-'));
  const file = join(dir, 'mlflow.db');
  return {
    adapter: () => sqliteAdapter(file),
    async query(sqlText) {
      const db = new Sqlite(file);
      try {
        const statement = db.prepare(sqlText);
        // Statements that return no rows (DELETE, INSERT) must be run, not read.
        if (!statement.reader) {
          statement.run();
          return [];
        }
        return statement.all() as Record<string, unknown>[];
      } finally {
        db.close();
      }
    },
    async drop() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable FERRY_TEST_POSTGRES_URL>';
  }
}

/** Runs `fn` on a short-lived client of the admin database; a connection failure is reported plainly. */
async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL is required for the store tests but cannot be reached at ${redact(POSTGRES_URL)} ` +
        `(set FERRY_TEST_POSTGRES_URL to a server where the user may CREATE DATABASE): ${
          error instanceof Error ? error.message : String(error)
        }`,
      { cause: error },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function createPostgresDatabase(): Promise<TestDatabase> {
  const name = `ferry_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  return {
    adapter: () => postgresAdapter(dbUrl),
    async query(sqlText) {
      const client = new pg.Client({ connectionString: dbUrl });
      await client.connect();
      try {
        return (await client.query(sqlText)).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    },
    async drop() {
      await withAdminClient(async (client) => {
        // pg's Pool.end() resolves before its connections are gone. Dropping WITH (FORCE) while a
        // backend is still exiting makes the server send it a FATAL, which an idle pooled client turns
        // into an 'error' event; so give closed stores' backends a moment to leave first.
        for (let i = 0; i < 200; i++) {
          const { rows } = await client.query<{ n: string }>(
            'select count(*) as n from pg_stat_activity where datname = $1',
            [name],
          );
          if (Number(rows[0]?.n) === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}

export const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    createDatabase: createSqliteDatabase,
    create: async () => openOn(await createSqliteDatabase()),
  },
  {
    name: 'postgresql',
    createDatabase: createPostgresDatabase,
    create: async () => openOn(await createPostgresDatabase()),
  },
];
