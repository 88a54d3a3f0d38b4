import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { TrackingSession } from '@ferry/sdk';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');
const exec = promisify(execFile);
let dir: string;

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('registrations from many processes on one SQLite file', () => {
  it('get distinct, gap-free version numbers', async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
    dir = await mkdtemp(join(tmpdir(), 'ferry-registry-processes-'));
    const uri = `sqlite:///${join(dir, 'ferry.db')}`;
    // Each `ferry` process opens the database itself (a database URI is served in process), so these
    // registrations contend for the file's write lock, not for one server's connection.
    const register = (i: number) =>
      exec(
        process.execPath,
        [BIN, 'models', 'register', `s3://bucket/model-${i}`, '--name', 'shared', '--json'],
        {
          cwd: dir,
          env: { ...process.env, FERRY_TRACKING_URI: uri, MLFLOW_TRACKING_URI: '' },
        },
      );
    const outputs = await Promise.all(Array.from({ length: 8 }, (_, i) => register(i)));
    const versions = outputs.map((o) => Number((JSON.parse(o.stdout) as { version: string }).version));
    expect(versions.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    const check = new TrackingSession({ trackingUri: uri, env: {}, captureSource: false });
    try {
      const all = await check.registry.searchModelVersions({ filter: "name = 'shared'" });
      const sources = all.items.map((mv) => `${mv.version}:${mv.source}`).sort();
      expect(sources).toHaveLength(8);
      for (const o of outputs) {
        const mv = JSON.parse(o.stdout) as { version: string; source: string };
        expect(sources).toContain(`${mv.version}:${mv.source}`);
      }
    } finally {
      await check.close();
    }
  });
});
