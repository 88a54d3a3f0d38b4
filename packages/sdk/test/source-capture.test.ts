import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlTrackingStore } from '@ferry/store';
import { openTestServer } from './helpers/test-server.js';
import { TrackingSession } from '../src/index.js';

let dir: string;
let store: SqlTrackingStore;
let session: (entryPoint: string, captureSource?: boolean) => TrackingSession;

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=ci@ferry.test', '-c', 'user.name=ci', ...args], {
    cwd,
    stdio: 'pipe',
  });

beforeEach(async () => {
  let app: Awaited<ReturnType<typeof openTestServer>>['app'];
  ({ dir, store, app } = await openTestServer('ferry-sdk-source-'));
  session = (entryPoint, captureSource = true) =>
    new TrackingSession({
      trackingUri: 'http://ferry.test',
      fetch: (r) => app.fetch(r),
      env: {},
      entryPoint,
      captureSource,
    });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function tagsOf(runId: string): Promise<Record<string, string>> {
  return Object.fromEntries(((await store.getRun(runId)).data.tags ?? []).map((t) => [t.key, t.value]));
}

describe('source capture', () => {
  it('records entry point, git commit, branch, remote and a clean tree', async () => {
    const repo = join(dir, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    await writeFile(join(repo, 'train.ts'), 'console.log(1)\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'first');
    git(repo, 'remote', 'add', 'origin', 'https://example.com/team/models.git');
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo }).toString().trim();

    const run = await session(join(repo, 'train.ts')).startRun();
    const tags = await tagsOf(run.runId);
    expect(tags).toMatchObject({
      'mlflow.source.name': join(repo, 'train.ts'),
      'mlflow.source.type': 'LOCAL',
      'mlflow.source.git.commit': commit,
      'mlflow.source.git.branch': 'main',
      'mlflow.source.git.repoURL': 'https://example.com/team/models.git',
      'mlflow.gitRepoURL': 'https://example.com/team/models.git',
      'mlflow.source.git.dirty': 'false',
    });
    expect(await session(join(repo, 'train.ts')).client.listArtifacts(run.runId)).toEqual([]);
  });

  it('marks a dirty tree and keeps the uncommitted diff as an artifact', async () => {
    const repo = join(dir, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    await writeFile(join(repo, 'train.ts'), 'const lr = 0.1;\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'first');
    await writeFile(join(repo, 'train.ts'), 'const lr = 0.2;\n');

    const ferry = session(join(repo, 'train.ts'));
    const run = await ferry.startRun();
    expect((await tagsOf(run.runId))['mlflow.source.git.dirty']).toBe('true');
    await run.downloadArtifacts('source/uncommitted.diff', join(dir, 'out'));
    const diff = await readFile(join(dir, 'out', 'uncommitted.diff'), 'utf8');
    expect(diff).toContain('-const lr = 0.1;');
    expect(diff).toContain('+const lr = 0.2;');
  });

  it('outside a git checkout, or when disabled, records only the entry point and user', async () => {
    await writeFile(join(dir, 'loose.ts'), '');
    const loose = await session(join(dir, 'loose.ts')).startRun();
    const tags = await tagsOf(loose.runId);
    expect(tags['mlflow.source.name']).toBe(join(dir, 'loose.ts'));
    expect(Object.keys(tags).filter((k) => k.startsWith('mlflow.source.git'))).toEqual([]);
    const repo = join(dir, 'repo');
    execFileSync('git', ['init', '-q', repo]);
    await writeFile(join(repo, 'a.ts'), '');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'x');
    const off = await session(join(repo, 'a.ts'), false).startRun();
    expect(Object.keys(await tagsOf(off.runId)).filter((k) => k.startsWith('mlflow.source.git'))).toEqual([]);
  });
});
