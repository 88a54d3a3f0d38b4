import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalArtifactStore } from '@ferry/artifacts';
import { createApp } from '@ferry/server';
import { SqlTrackingStore, sqlStores, sqliteAdapter } from '@ferry/store';
import { TrackingSession } from '../src/index.js';

let dir: string;
let store: SqlTrackingStore;

async function sessionOn(defaultArtifactRoot: string, serveArtifacts: boolean): Promise<TrackingSession> {
  store = new SqlTrackingStore({ adapter: sqliteAdapter(join(dir, 'f.db')), defaultArtifactRoot });
  await store.open();
  const artifactProxy = serveArtifacts ? new LocalArtifactStore({ root: join(dir, 'served') }) : undefined;
  const app = createApp(
    { ...sqlStores(store), ...(artifactProxy ? { artifactProxy } : {}) },
    { log: () => {} },
  );
  return new TrackingSession({
    trackingUri: 'http://ferry.test',
    fetch: (r) => app.fetch(r),
    env: {},
    captureSource: false,
  });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-sdk-artifacts-'));
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function workdir(): Promise<string> {
  const src = join(dir, 'src');
  await mkdir(join(src, 'weights', 'layer1'), { recursive: true });
  await writeFile(join(src, 'model.onnx'), Buffer.from([1, 2, 3, 4]));
  await writeFile(join(src, 'weights', 'a.bin'), 'A');
  await writeFile(join(src, 'weights', 'layer1', 'b.bin'), 'B');
  return src;
}

describe.each([
  ['through the server proxy (mlflow-artifacts:/)', 'mlflow-artifacts:/', true],
  ['straight to a local root (file://)', 'LOCAL', false],
] as const)('artifacts %s', (_name, root, serve) => {
  it('logs files, folders, text, dicts, images and tables, and downloads them back', async () => {
    const ferry = await sessionOn(root === 'LOCAL' ? pathToFileURL(join(dir, 'local')).href : root, serve);
    const src = await workdir();
    const run = await ferry.startRun();
    await run.logArtifact(join(src, 'model.onnx'), 'model');
    await run.logArtifacts(join(src, 'weights'), 'weights');
    await run.logText('all good', 'notes/summary.txt');
    await run.logDict({ lr: 0.1, layers: [1, 2] }, 'config.json');
    await run.logDict({ lr: 0.1 }, 'config.yaml');
    await run.logImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), 'plots/loss.png');
    await run.logTable(
      [
        { x: 1, y: 'a' },
        { x: 2, z: true },
      ],
      'tables/preds.json',
    );
    await run.end();

    const listing = await ferry.client.listArtifacts(run.runId);
    expect(listing.map((f) => f.path).sort()).toEqual(
      ['config.json', 'config.yaml', 'model', 'notes', 'plots', 'tables', 'weights'].sort(),
    );
    const dst = join(dir, 'download');
    await run.downloadArtifacts('', dst);
    expect(await readFile(join(dst, 'model', 'model.onnx'))).toEqual(Buffer.from([1, 2, 3, 4]));
    expect(await readFile(join(dst, 'weights', 'layer1', 'b.bin'), 'utf8')).toBe('B');
    expect(await readFile(join(dst, 'notes', 'summary.txt'), 'utf8')).toBe('all good');
    expect(JSON.parse(await readFile(join(dst, 'config.json'), 'utf8'))).toEqual({ lr: 0.1, layers: [1, 2] });
    expect(await readFile(join(dst, 'config.yaml'), 'utf8')).toBe('lr: 0.1\n');
    expect(JSON.parse(await readFile(join(dst, 'tables', 'preds.json'), 'utf8'))).toEqual({
      columns: ['x', 'y', 'z'],
      data: [
        [1, 'a', null],
        [2, null, true],
      ],
    });
    const seen: { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number }[] = [];
    await run.downloadArtifacts('weights', join(dir, 'progress'), { onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => [p.filesDone, p.filesTotal])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(seen[1]).toMatchObject({ bytesDone: 2, bytesTotal: 2 });
    const single = join(dir, 'single');
    await run.downloadArtifacts('plots/loss.png', single);
    expect(await readdir(single)).toEqual(['loss.png']);

    const tags = Object.fromEntries(
      ((await store.getRun(run.runId)).data.tags ?? []).map((t) => [t.key, t.value]),
    );
    expect(JSON.parse(tags['mlflow.loggedArtifacts']!)).toEqual([
      { path: 'tables/preds.json', type: 'table' },
    ]);
  });
});

describe('SDK inputs and artifact path safety', () => {
  it('records dataset inputs with their context', async () => {
    const ferry = await sessionOn('mlflow-artifacts:/', true);
    const run = await ferry.startRun();
    await run.logInput(
      { name: 'mnist', digest: 'abc123', source_type: 'local', source: '/data/mnist' },
      'training',
    );
    const stored = await store.getRun(run.runId);
    expect(stored.inputs.dataset_inputs).toEqual([
      {
        dataset: { name: 'mnist', digest: 'abc123', source_type: 'local', source: '/data/mnist' },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      },
    ]);
  });

  it('refuses artifact paths that leave the run', async () => {
    const ferry = await sessionOn('mlflow-artifacts:/', true);
    const run = await ferry.startRun();
    await expect(run.logText('x', '../escape.txt')).rejects.toThrow(/inside the run/);
    await expect(run.logText('x', 'a/../../b.txt')).rejects.toThrow(/inside the run/);
  });
});
