import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackingSession } from '@ferry/sdk';

// The real `ferry` binary against a database URI (the CLI serves itself in process); `npm test` builds it first.
const BIN = join(dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');
const exec = promisify(execFile);

let dir: string;
let uri: string;
let runId: string;
let experimentId: string;

async function ferry(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args, '--tracking-uri', uri], {
      cwd: dir,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  dir = await mkdtemp(join(tmpdir(), 'ferry-cli-tracking-'));
  uri = `sqlite:///${join(dir, 'cli.db')}`;
  const ferrySdk = new TrackingSession({ trackingUri: uri, env: {}, captureSource: false });
  experimentId = await ferrySdk.setExperiment('cli-demo');
  const run = await ferrySdk.startRun({ runName: 'baseline' });
  runId = run.runId;
  await run.logParams({ lr: 0.01 });
  for (let step = 0; step < 5; step++)
    await run.logMetric('loss', 1 / (step + 1), { step, timestamp: 1000 + step });
  await run.logText('weights', 'model/weights.txt');
  await ferrySdk.close();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ferry tracking commands', () => {
  it('manages experiments: create, list, search, rename, delete, restore', async () => {
    const created = await ferry('experiments', 'create', 'cli-new', '--json');
    expect(created.code).toBe(0);
    const { experiment_id: id } = JSON.parse(created.stdout) as { experiment_id: string };
    const list = await ferry('experiments', 'list');
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+STAGE/);
    expect(list.stdout).toContain('cli-new');
    const search = JSON.parse(
      (await ferry('experiments', 'search', "name LIKE 'cli-%'", '--json')).stdout,
    ) as { name: string }[];
    expect(search.map((e) => e.name).sort()).toEqual(['cli-demo', 'cli-new']);
    expect((await ferry('experiments', 'rename', id, 'cli-renamed')).code).toBe(0);
    expect((await ferry('experiments', 'delete', id)).stdout).toContain('ferry experiments restore');
    const deleted = JSON.parse(
      (await ferry('experiments', 'list', '--view', 'deleted_only', '--json')).stdout,
    ) as { name: string }[];
    expect(deleted.map((e) => e.name)).toEqual(['cli-renamed']);
    expect((await ferry('experiments', 'restore', id)).code).toBe(0);
  });

  it('lists, describes, deletes and restores runs', async () => {
    const list = await ferry('runs', 'list', '-e', experimentId, '--filter', 'metrics.loss < 0.5');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(runId);
    expect(list.stdout).toContain('loss=0.2');
    const described = await ferry('runs', 'describe', runId);
    expect(described.stdout).toMatch(/lr: 0\.01/);
    expect(described.stdout).toMatch(/loss: 0\.2 \(step 4\)/);
    expect((await ferry('runs', 'delete', runId)).code).toBe(0);
    expect(JSON.parse((await ferry('runs', 'list', '-e', experimentId, '--json')).stdout)).toEqual([]);
    expect((await ferry('runs', 'restore', runId)).code).toBe(0);
  });

  it('exports metric histories as CSV', async () => {
    const out = join(dir, 'metrics.csv');
    expect((await ferry('metrics', 'export', '-r', runId, '-o', out)).code).toBe(0);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('run_id,key,step,timestamp,value');
    expect(lines.slice(1)).toEqual(
      [0, 1, 2, 3, 4].map((s) => `${runId},loss,${s},${1000 + s},${1 / (s + 1)}`),
    );
  });

  it('logs, lists and downloads artifacts', async () => {
    await writeFile(join(dir, 'report.md'), '# report');
    expect((await ferry('artifacts', 'log', join(dir, 'report.md'), '-r', runId, '-a', 'docs')).code).toBe(0);
    const listing = JSON.parse((await ferry('artifacts', 'list', '-r', runId, '--json')).stdout) as {
      path: string;
    }[];
    expect(listing.map((f) => f.path).sort()).toEqual(['docs', 'model']);
    expect((await ferry('artifacts', 'download', '-r', runId, '-d', join(dir, 'dl'))).code).toBe(0);
    expect(await readFile(join(dir, 'dl', 'docs', 'report.md'), 'utf8')).toBe('# report');
    expect(await readFile(join(dir, 'dl', 'model', 'weights.txt'), 'utf8')).toBe('weights');
  });

  it('fails with exit code 1 and one line that says what went wrong', async () => {
    const missing = await ferry('runs', 'describe', 'f'.repeat(32));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`ferry: Run with id=${'f'.repeat(32)} not found`);
    const badView = await ferry('experiments', 'list', '--view', 'some');
    expect(badView.code).toBe(1);
    expect(badView.stderr.trim().split('\n')).toHaveLength(1);
  });
});
