import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { SqlTrackingStore, adapterForUri } from '@ferry/store';
import { TrackingSession } from '../src/index.js';

const ADMIN_URL = process.env.FERRY_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A fresh database URI of each kind, and how to remove it afterwards. */
async function freshDatabase(
  kind: 'sqlite' | 'postgresql',
  dir: string,
): Promise<{ uri: string; drop(): Promise<void> }> {
  if (kind === 'sqlite') return { uri: `sqlite:///${join(dir, 'local.db')}`, drop: async () => {} };
  const name = `ferry_sdk_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    uri: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

describe.each(['sqlite', 'postgresql'] as const)('tracking straight into %s, in process', (kind) => {
  let dir: string;
  let drop: () => Promise<void> = async () => {};
  afterEach(async () => {
    await drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs through the server app with no port, and the data is in the database', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-sdk-local-'));
    const db = await freshDatabase(kind, dir);
    drop = db.drop;
    const ferry = new TrackingSession({
      trackingUri: db.uri,
      env: { FERRY_ARTIFACTS_DESTINATION: join(dir, 'artifacts') },
      captureSource: false,
    });
    await ferry.setExperiment('local');
    const run = await ferry.startRun({ runName: 'offline' });
    await run.logParams({ lr: 0.1 });
    for (let step = 0; step < 100; step++) await run.logMetric('loss', 1 / (step + 1), { step });
    await run.logText('hello', 'notes.txt');
    await ferry.close();

    const store = new SqlTrackingStore({
      adapter: adapterForUri(db.uri),
      defaultArtifactRoot: 'mlflow-artifacts:/',
    });
    await store.open();
    try {
      const stored = await store.getRun(run.runId);
      expect(stored.info.status).toBe('FINISHED');
      expect(stored.info.run_name).toBe('offline');
      expect(stored.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
      expect((await store.getMetricHistory(run.runId, 'loss')).items).toHaveLength(100);
    } finally {
      await store.close();
    }
    const file = join(dir, 'artifacts', run.experimentId, run.runId, 'artifacts', 'notes.txt');
    expect(existsSync(file)).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('hello');
  });
});
