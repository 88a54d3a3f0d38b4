import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { joinArtifactPath, LocalArtifactStore, resolveArtifactUri } from '../src/index.js';

const proxy = new LocalArtifactStore({ root: join(tmpdir(), 'ferry-artifact-uri-proxy-never-written') });

const throwsCode = (fn: () => unknown, code: string, message?: RegExp): void => {
  expect(fn).toThrow(expect.objectContaining({ name: 'FerryError', code }));
  if (message) expect(fn).toThrow(message);
};

describe('resolveArtifactUri', () => {
  describe('proxied URIs', () => {
    it.each([
      ['mlflow-artifacts:/1/abc/artifacts', '1/abc/artifacts'],
      ['mlflow-artifacts:/1/abc/artifacts/', '1/abc/artifacts'],
      ['mlflow-artifacts://localhost:5000/1/abc/artifacts', '1/abc/artifacts'],
      ['mlflow-artifacts:///1/abc/artifacts', '1/abc/artifacts'],
      ['mlflow-artifacts:/my%20exp/run', 'my exp/run'],
      ['mlflow-artifacts:/', ''],
      ['mlflow-artifacts:', ''],
      ['MLFLOW-ARTIFACTS:/x', 'x'],
      ['http://localhost:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts', '1/abc/artifacts'],
      ['https://ferry.example.com/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts', '1/abc/artifacts'],
      ['https://h/static/p/api/2.0/mlflow-artifacts/artifacts/2/r/artifacts?x=1#frag', '2/r/artifacts'],
      ['http://h/api/2.0/mlflow-artifacts/artifacts', ''],
    ])('%s → proxy store, prefix %j', (uri, prefix) => {
      const resolved = resolveArtifactUri(uri, proxy);
      expect(resolved.store).toBe(proxy);
      expect(resolved.prefix).toBe(prefix);
    });

    it('needs a proxy store', () => {
      throwsCode(
        () => resolveArtifactUri('mlflow-artifacts:/1/abc/artifacts', undefined),
        'INVALID_PARAMETER_VALUE',
      );
      throwsCode(
        () => resolveArtifactUri('http://h/api/2.0/mlflow-artifacts/artifacts/1/abc', undefined),
        'INVALID_PARAMETER_VALUE',
      );
    });

    it.each([
      'mlflow-artifacts:/1/../../etc',
      'mlflow-artifacts:/../x',
      'mlflow-artifacts:/1/%2e%2e/%2e%2e/etc',
      'mlflow-artifacts:/1/%252e%252e/x',
      'mlflow-artifacts:/1/a%5cb',
      'mlflow-artifacts:/1/a%00b',
      'mlflow-artifacts:/1/%E0%A4%A',
      'http://h/api/2.0/mlflow-artifacts/artifacts/../../../etc',
      'http://h/api/2.0/mlflow-artifacts/artifacts/1/%2E%2E/x',
    ])('rejects the unsafe path in %s', (uri) => {
      throwsCode(() => resolveArtifactUri(uri, proxy), 'INVALID_PARAMETER_VALUE');
    });
  });

  describe('local URIs', () => {
    it('maps file URIs and absolute paths to a LocalArtifactStore at that root, with no prefix', () => {
      const fromUri = resolveArtifactUri('file:///data/ferry/1/abc/artifacts', undefined);
      expect(fromUri.store).toBeInstanceOf(LocalArtifactStore);
      expect((fromUri.store as LocalArtifactStore).root).toBe('/data/ferry/1/abc/artifacts');
      expect(fromUri.prefix).toBe('');
      const fromPath = resolveArtifactUri('/data/ferry/2/def/artifacts', proxy);
      expect((fromPath.store as LocalArtifactStore).root).toBe('/data/ferry/2/def/artifacts');
      expect(fromPath.prefix).toBe('');
    });

    it('reuses one store per root', () => {
      const a = resolveArtifactUri('file:///data/ferry/1/abc/artifacts', undefined).store;
      expect(resolveArtifactUri('file:///data/ferry/1/abc/artifacts/', undefined).store).toBe(a);
      expect(resolveArtifactUri('file://localhost/data/ferry/1/abc/artifacts', undefined).store).toBe(a);
      expect(resolveArtifactUri('/data/ferry/1/abc/artifacts', undefined).store).toBe(a);
      expect(resolveArtifactUri('/data//ferry/1/abc/artifacts/', undefined).store).toBe(a);
      expect(resolveArtifactUri('/data/ferry/1/other/artifacts', undefined).store).not.toBe(a);
    });

    it('percent-decodes file URIs', () => {
      const { store } = resolveArtifactUri('file:///data/my%20runs/a', undefined);
      expect((store as LocalArtifactStore).root).toBe('/data/my runs/a');
    });

    it.each(['file:///data/../etc', 'file:///data/%2e%2e/etc', '/data/../etc', 'file://otherhost/data'])(
      'rejects the root %s',
      (uri) => {
        throwsCode(() => resolveArtifactUri(uri, undefined), 'INVALID_PARAMETER_VALUE');
      },
    );

    it('reads and writes through the resolved store', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ferry-artifact-uri-'));
      try {
        const { store, prefix } = resolveArtifactUri(pathToFileURL(join(dir, '1', 'run')).href, undefined);
        await store.put(joinArtifactPath(prefix, 'model/MLmodel'), Buffer.from('flavors: {}'));
        expect(await readFile(join(dir, '1', 'run', 'model', 'MLmodel'), 'utf8')).toBe('flavors: {}');
        expect(await store.list(joinArtifactPath(prefix, 'model'))).toEqual([
          { path: 'model/MLmodel', is_dir: false, file_size: 11 },
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('other schemes', () => {
    it.each([
      ['s3://bucket/path/1/abc/artifacts', 's3'],
      ['gs://bucket/x', 'gs'],
      ['wasbs://c@acct.blob.core.windows.net/x', 'wasbs'],
      ['hdfs://nn/x', 'hdfs'],
      ['dbfs:/x', 'dbfs'],
      ['http://h/some/other/path', 'http'],
      ['https://h/api/2.0/mlflow-artifacts/artifactsX/1', 'https'],
    ])('%s is NOT_IMPLEMENTED naming %s', (uri, scheme) => {
      throwsCode(() => resolveArtifactUri(uri, proxy), 'NOT_IMPLEMENTED', new RegExp(`'${scheme}'`));
    });

    it('rejects relative paths', () => {
      throwsCode(() => resolveArtifactUri('mlruns/1/abc/artifacts', proxy), 'NOT_IMPLEMENTED');
      throwsCode(() => resolveArtifactUri('', proxy), 'NOT_IMPLEMENTED');
    });
  });
});

describe('joinArtifactPath', () => {
  it.each([
    ['1/abc/artifacts', 'model/MLmodel', '1/abc/artifacts/model/MLmodel'],
    ['1/abc/artifacts', '', '1/abc/artifacts'],
    ['1/abc/artifacts', undefined, '1/abc/artifacts'],
    ['', 'x.txt', 'x.txt'],
    ['', '', ''],
    ['a/', './b//c/', 'a/b/c'],
  ])('(%j, %j) → %j', (prefix, rel, expected) => {
    expect(joinArtifactPath(prefix, rel)).toBe(expected);
  });

  it.each(['../x', '/abs', 'a/../../b', '%2e%2e/x', 'a\\b'])('rejects the relative path %j', (rel) => {
    throwsCode(() => joinArtifactPath('1/abc/artifacts', rel), 'INVALID_PARAMETER_VALUE');
  });
});
