import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion, RegisteredModel } from '@ferry/core';
import { RegistryClient, TrackingSession } from '@ferry/sdk';

// The real `ferry` binary against a real `ferry server` on SQLite, started here; `npm test` builds it first.
const BIN = join(dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');
const exec = promisify(execFile);

let dir: string;
let server: ChildProcess;
let url: string;
let runId: string;
let loggedModelId: string;

async function ferry(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args, '--tracking-uri', url], {
      cwd: dir,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const json = async <T>(...args: string[]): Promise<T> => {
  const result = await ferry(...args, '--json');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
};

/** Every file under a folder, relative and sorted, with its text. */
async function files(root: string): Promise<Record<string, string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const out: Record<string, string> = {};
  for (const e of entries.filter((e) => e.isFile())) {
    const path = join(e.parentPath, e.name);
    out[path.slice(root.length + 1)] = await readFile(path, 'utf8');
  }
  return out;
}

const MODEL_FILES = { MLmodel: 'flavors: {}', 'weights.txt': 'w1', 'sub/extra.txt': 'x' };

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  dir = await mkdtemp(join(tmpdir(), 'ferry-cli-models-'));
  server = spawn(
    process.execPath,
    [BIN, 'server', '--port', '0', '--backend-store-uri', `sqlite:///${join(dir, 'registry.db')}`],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  url = await new Promise<string>((ready, fail) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) ready(m[1]!);
    });
    server.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    server.once('exit', (code) => fail(new Error(`ferry server exited with ${code}:\n${out}`)));
  });
  // A run with a model folder, uploaded through the server's artifact proxy, and a logged model.
  const sdk = new TrackingSession({ trackingUri: url, env: {}, captureSource: false });
  const experimentId = await sdk.setExperiment('registry-cli');
  const run = await sdk.startRun({ runName: 'train' });
  runId = run.runId;
  for (const [path, text] of Object.entries(MODEL_FILES)) await run.logText(text, `model/${path}`);
  await sdk.endRun();
  loggedModelId = (
    await new RegistryClient(sdk.client).createLoggedModel({ experimentId, name: 'lm', sourceRunId: runId })
  ).info.model_id;
  await sdk.close();
});

afterAll(async () => {
  if (server?.exitCode === null) {
    const exited = new Promise((done) => server.once('exit', done));
    server.kill('SIGTERM');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

describe('ferry models', () => {
  it('registers runs:/ URIs, creating the model once, with description, tags and --await', async () => {
    const first = await ferry(
      'models',
      'register',
      `runs:/${runId}/model`,
      '--name',
      'iris',
      '--description',
      'first cut',
      '--tag',
      'team=vision',
      '--tag',
      'data=v1=old',
      '--await',
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      "Created registered model 'iris'\nRegistered version 1 of 'iris' (models:/iris/1)\n",
    );
    const second = await json<ModelVersion>('models', 'register', `runs:/${runId}/model/`, '--name', 'iris');
    expect(second).toMatchObject({ name: 'iris', version: '2', run_id: runId, status: 'READY' });
    expect(second.source).toMatch(new RegExp(`^mlflow-artifacts:/.*/${runId}/artifacts/model$`));

    const v1 = await json<{ model_version: ModelVersion; download_uri: string }>(
      'models',
      'describe',
      'iris',
      '--version',
      '1',
    );
    expect(v1.model_version).toMatchObject({
      description: 'first cut',
      run_id: runId,
      current_stage: 'None',
    });
    expect(v1.model_version.tags).toEqual(
      expect.arrayContaining([
        { key: 'team', value: 'vision' },
        { key: 'data', value: 'v1=old' },
      ]),
    );
    expect(v1.download_uri).toBe(second.source);
  });

  it('registers logged models, other versions and plain artifact URIs', async () => {
    const logged = await json<ModelVersion>('models', 'register', `models:/${loggedModelId}`, '-n', 'lm');
    expect(logged).toMatchObject({
      version: '1',
      model_id: loggedModelId,
      source: `models:/${loggedModelId}`,
    });
    const copy = await json<ModelVersion>('models', 'register', 'models:/iris/latest', '-n', 'iris-copy');
    expect(copy.source).toBe('models:/iris/2');
    const plain = await json<ModelVersion>('models', 'register', copy.source, '-n', 'iris-copy');
    expect(plain.source).toBe('models:/iris/2');
    const uri = 'mlflow-artifacts:/elsewhere/model';
    expect((await json<ModelVersion>('models', 'register', uri, '-n', 'iris-copy')).source).toBe(uri);
  });

  it('moves versions between stages, archiving the others on request', async () => {
    const moved = await ferry('models', 'transition', 'iris', '1', 'production');
    expect(moved.stdout.trim()).toBe("Moved version 1 of 'iris' to Production");
    const archiving = await ferry('models', 'transition', 'iris', '2', 'Production', '--archive-existing');
    expect(archiving.code).toBe(0);
    const v1 = await json<{ model_version: ModelVersion }>('models', 'describe', 'iris', '--version', '1');
    expect(v1.model_version.current_stage).toBe('Archived');
    const v2 = await json<ModelVersion>('models', 'transition', 'iris', '2', 'STAGING');
    expect(v2.current_stage).toBe('Staging');
  });

  it('sets, gets and deletes aliases', async () => {
    expect((await ferry('models', 'alias', 'set', 'iris', 'champion', '1')).code).toBe(0);
    const moved = await ferry('models', 'alias', 'set', 'iris', 'champion', '2');
    expect(moved.stdout.trim()).toBe("Alias 'champion' of 'iris' now points to version 2");
    expect((await ferry('models', 'alias', 'set', 'iris', 'old', '1')).code).toBe(0);
    const got = await ferry('models', 'alias', 'get', 'iris', 'champion');
    expect(got.stdout.split('\n')[0]).toMatch(/^NAME\s+ALIAS\s+VERSION\s+STAGE\s+SOURCE$/);
    expect(got.stdout.split('\n')[1]).toMatch(/^iris\s+champion\s+2\s+Staging\s+mlflow-artifacts:/);
    expect((await json<ModelVersion>('models', 'alias', 'get', 'iris', 'old')).version).toBe('1');
    expect((await ferry('models', 'alias', 'delete', 'iris', 'old')).code).toBe(0);
    const gone = await ferry('models', 'alias', 'get', 'iris', 'old');
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe('ferry: Registered model alias old not found.');
  });

  it('sets and deletes tags of models and versions', async () => {
    expect((await ferry('models', 'tag', 'set', 'iris', 'owner', 'alice')).code).toBe(0);
    expect((await ferry('models', 'tag', 'set', 'iris', 'tmp', 'x')).code).toBe(0);
    expect((await ferry('models', 'tag', 'delete', 'iris', 'tmp')).code).toBe(0);
    expect((await ferry('models', 'tag', 'set', 'iris', 'checked', 'yes', '--version', '2')).code).toBe(0);
    expect((await ferry('models', 'tag', 'delete', 'iris', 'team', '--version', '1')).code).toBe(0);
    const model = await json<{ registered_model: RegisteredModel; model_versions: ModelVersion[] }>(
      'models',
      'describe',
      'iris',
    );
    expect(model.registered_model.tags).toEqual([{ key: 'owner', value: 'alice' }]);
    const [v2, v1] = model.model_versions;
    expect(v2?.tags).toEqual([{ key: 'checked', value: 'yes' }]);
    expect(v1?.tags).toEqual([{ key: 'data', value: 'v1=old' }]);
  });

  it('lists models with their latest version per stage and aliases', async () => {
    const table = await ferry('models', 'list');
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+LATEST_VERSIONS\s+ALIASES\s+UPDATED\s+DESCRIPTION$/);
    expect(lines.find((l) => l.startsWith('iris '))).toMatch(
      /^iris\s+v2 Staging, v1 Archived\s+champion=v2\s+\d{4}-/,
    );
    const all = await json<RegisteredModel[]>('models', 'list');
    expect(all.map((m) => m.name)).toEqual(['iris', 'iris-copy', 'lm']);
    const some = await json<RegisteredModel[]>(
      'models',
      'list',
      '--filter',
      "name LIKE 'iris%'",
      '--order-by',
      'name DESC',
      '--max-results',
      '1',
    );
    expect(some.map((m) => m.name)).toEqual(['iris-copy']);
  });

  it('describes a model with its versions, and one version by number or alias', async () => {
    const model = await ferry('models', 'describe', 'iris');
    expect(model.code).toBe(0);
    expect(model.stdout).toMatch(/^name: iris\n/);
    expect(model.stdout).toContain('tags:\n  owner: alice\n');
    expect(model.stdout).toContain('aliases:\n  champion: v2\n');
    const table = model.stdout.split('\n\n')[1]!.trim().split('\n');
    expect(table[0]).toMatch(/^VERSION\s+STAGE\s+STATUS\s+ALIASES\s+RUN_ID\s+CREATED\s+SOURCE$/);
    expect(table[1]).toMatch(new RegExp(`^2\\s+Staging\\s+READY\\s+champion\\s+${runId}\\s`));
    expect(table[2]).toMatch(new RegExp(`^1\\s+Archived\\s+READY\\s+${runId}\\s`));

    const version = await ferry('models', 'describe', 'iris', '--alias', 'champion');
    expect(version.stdout).toMatch(/^name: iris\nversion: 2\nstage: Staging\nstatus: READY\n/m);
    expect(version.stdout).toMatch(/^download_uri: mlflow-artifacts:\/.*\/artifacts\/model$/m);
    expect(version.stdout).toMatch(/^aliases: champion$/m);
    const byNumber = await json<{ model_version: ModelVersion }>(
      'models',
      'describe',
      'iris',
      '--version',
      '2',
    );
    expect(byNumber.model_version.aliases).toEqual(['champion']);
    const both = await ferry('models', 'describe', 'iris', '--version', '1', '--alias', 'champion');
    expect(both.code).toBe(1);
  });

  it('downloads models:/ URIs and prints the local path', async () => {
    const byAlias = await ferry('models', 'download', 'models:/iris@champion', '-o', join(dir, 'dl-alias'));
    expect(byAlias.code).toBe(0);
    expect(byAlias.stdout).toBe(`${join(dir, 'dl-alias')}\n`);
    expect(await files(join(dir, 'dl-alias'))).toEqual(MODEL_FILES);
    const byVersion = await json<{ local_path: string; artifact_uri: string }>(
      'models',
      'download',
      'models:/iris/1',
      '-o',
      join(dir, 'dl-v1'),
    );
    expect(byVersion.local_path).toBe(join(dir, 'dl-v1'));
    expect(byVersion.artifact_uri).toMatch(/\/artifacts\/model$/);
    expect(await files(join(dir, 'dl-v1'))).toEqual(MODEL_FILES);
    // Without -o: a new temporary folder, as MLflow does.
    const temp = (await ferry('models', 'download', 'models:/iris/Staging')).stdout.trim();
    try {
      expect(await files(temp)).toEqual(MODEL_FILES);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  });

  it('deletes versions and models', async () => {
    const version = await ferry('models', 'delete', 'iris-copy', '--version', '1');
    expect(version.stdout.trim()).toBe("Deleted version 1 of 'iris-copy'");
    const left = await json<{ model_versions: ModelVersion[] }>('models', 'describe', 'iris-copy');
    expect(left.model_versions.map((mv) => mv.version)).toEqual(['3', '2']);
    expect((await ferry('models', 'delete', 'iris-copy')).stdout.trim()).toBe(
      "Deleted registered model 'iris-copy'",
    );
    expect((await json<RegisteredModel[]>('models', 'list')).map((m) => m.name)).toEqual(['iris', 'lm']);
  });

  it('fails with exit code 1 and the server message on one line', async () => {
    const unknown = await ferry('models', 'describe', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('ferry: Registered Model with name=nope not found\n');
    expect(unknown.stdout).toBe('');
    const missingVersion = await ferry('models', 'download', 'models:/iris/9');
    expect(missingVersion.code).toBe(1);
    expect(missingVersion.stderr).toBe('ferry: Model Version (name=iris, version=9) not found\n');
    const badStage = await ferry('models', 'transition', 'iris', '1', 'Shipped');
    expect(badStage.code).toBe(1);
    expect(badStage.stderr).toBe(
      'ferry: Invalid Model Version stage: Shipped. Value must be one of None, Staging, Production, Archived.\n',
    );
    const reserved = await ferry('models', 'alias', 'set', 'iris', 'Latest', '1');
    expect(reserved.code).toBe(1);
    expect(reserved.stderr).toBe("ferry: 'latest' alias name (case insensitive) is reserved.\n");
    const versionAlias = await ferry('models', 'alias', 'set', 'iris', 'v2', '1');
    expect(versionAlias.stderr).toBe("ferry: Version alias name 'v2' is reserved.\n");
    const unknownRun = await ferry('models', 'register', `runs:/${'f'.repeat(32)}/model`, '-n', 'iris');
    expect(unknownRun.code).toBe(1);
    expect(unknownRun.stderr).toBe(`ferry: Run with id=${'f'.repeat(32)} not found\n`);
    const badTag = await ferry(
      'models',
      'register',
      `runs:/${runId}/model`,
      '-n',
      'iris',
      '--tag',
      'novalue',
    );
    expect(badTag.code).toBe(1);
    expect(badTag.stderr.trim().split('\n')).toHaveLength(1);
    const badUri = await ferry('models', 'download', 'models:/');
    expect(badUri.code).toBe(1);
    expect(badUri.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('keeps `ferry --version` before a command', async () => {
    const { stdout } = await exec(process.execPath, [BIN, '--version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
