import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchProject, loadProject, splitProjectUri } from '../src/index.js';
import { makeRepo } from './git-fixture.js';

let dir: string;
let repo: string;
let commits: { v1: string; v2: string; feature: string };
let clones: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-source-'));
  repo = join(dir, 'repo');
  clones = join(dir, 'clones');
  await (await import('node:fs/promises')).mkdir(clones);
  commits = await makeRepo(repo);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const command = (projectDir: string) => loadProject(projectDir).entryPoints.main!.command;

describe('project sources', () => {
  it('splits uri#subdir', () => {
    expect(splitProjectUri('https://h/r.git#a/b')).toEqual({ base: 'https://h/r.git', subdir: 'a/b' });
    expect(splitProjectUri('./p')).toEqual({ base: './p', subdir: '' });
  });

  it('clones a git URI at a tag, a commit and a branch, recording the commit', async () => {
    const url = pathToFileURL(repo).href;
    const tag = await fetchProject(url, { version: 'v1', tempDir: clones });
    expect(command(tag.dir)).toBe('echo v1 > {out}');
    expect(tag.git).toEqual({ commit: commits.v1, repoUrl: url });
    expect(tag.temporary).toBe(true);
    expect(tag.name).toBe(url);
    await tag.cleanup();
    expect(existsSync(tag.dir)).toBe(false);

    const byCommit = await fetchProject(url, { version: commits.feature, tempDir: clones });
    expect(command(byCommit.dir)).toBe('echo feature > {out}');
    expect(byCommit.git?.branch).toBeUndefined();
    await byCommit.cleanup();

    const branch = await fetchProject(url, { version: 'feature', tempDir: clones });
    expect(branch.git).toEqual({ commit: commits.feature, repoUrl: url, branch: 'feature' });
    await branch.cleanup();

    const head = await fetchProject(url, { tempDir: clones });
    expect(head.git?.commit).toBe(commits.v2);
    await head.cleanup();
    expect(await readdir(clones)).toEqual([]);
  });

  it('clones a local repository when a version is given, and selects #subdir', async () => {
    const sub = await fetchProject(`repo#sub`, { version: 'v1', cwd: dir, tempDir: clones });
    expect(command(sub.dir)).toBe('echo sub-v1');
    expect(sub.name).toBe(`${repo}#sub`);
    expect(sub.git?.commit).toBe(commits.v1);
    await sub.cleanup();
  });

  it('uses a local work tree in place, recording HEAD and whether it is dirty', async () => {
    const clean = await fetchProject(repo);
    expect(clean.dir).toBe(repo);
    expect(clean.temporary).toBe(false);
    expect(clean.git).toEqual({ commit: commits.v2, branch: 'main', dirty: false });
    await writeFile(join(repo, 'MLproject'), (await readFile(join(repo, 'MLproject'), 'utf8')) + '# edit\n');
    expect((await fetchProject(repo)).git?.dirty).toBe(true);
    const plain = await mkdtemp(join(dir, 'plain-'));
    expect((await fetchProject(plain)).git).toBeUndefined();
  });

  it('refuses .. escapes, missing folders and unknown versions', async () => {
    const url = pathToFileURL(repo).href;
    await expect(fetchProject(`${url}#../etc`, { tempDir: clones })).rejects.toThrow(
      "The project subdirectory '../etc' must be a relative path inside the repository (no '..').",
    );
    await expect(fetchProject(`${repo}#nope`)).rejects.toThrow(`There is no folder 'nope' in ${repo}.`);
    await expect(fetchProject(url, { version: 'no-such-version', tempDir: clones })).rejects.toThrow(
      /^Cannot check out version 'no-such-version' of file:/,
    );
    await expect(fetchProject('file:///nonexistent/repo.git', { tempDir: clones })).rejects.toThrow(
      /^Cannot clone the project repository file:\/\/\/nonexistent\/repo.git: /,
    );
    expect(await readdir(clones)).toEqual([]);
  });
});
