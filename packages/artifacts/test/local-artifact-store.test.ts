import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalArtifactStore } from '../src/index.js';
import { describeArtifactStore, expectCode, readAll } from './artifact-store-suite.js';

describeArtifactStore('LocalArtifactStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-artifacts-'));
  // A root that does not exist yet: the store must create it lazily.
  return {
    store: new LocalArtifactStore({ root: join(dir, 'root') }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('LocalArtifactStore (local only)', () => {
  let base: string;
  let root: string;
  let outside: string;
  let store: LocalArtifactStore;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'ferry-artifacts-local-'));
    root = join(base, 'root');
    outside = join(base, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'secret');
    store = new LocalArtifactStore({ root });
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  const tmpFiles = async (): Promise<string[]> => readdir(join(root, '.ferry-tmp')).catch(() => []);

  it('does no I/O until the first write', async () => {
    expect(existsSync(root)).toBe(false);
    expect(await store.list('')).toEqual([]);
    await expectCode(() => store.get('a.txt'), 'RESOURCE_DOES_NOT_EXIST');
    await store.delete('a.txt');
    expect(existsSync(root)).toBe(false);
    await store.put('a/b.txt', Buffer.from('x'));
    expect(await readFile(join(root, 'a', 'b.txt'), 'utf8')).toBe('x');
  });

  it('writes keys as plain files under the root', async () => {
    await store.put('dir/sub/file.txt', Buffer.from('hello'));
    expect(await readFile(join(root, 'dir/sub/file.txt'), 'utf8')).toBe('hello');
  });

  it('streams writes to disk instead of buffering the body', async () => {
    const chunk = Buffer.alloc(256 * 1024, 7);
    let seenOnDisk = 0;
    async function* source(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < 40; i++) {
        if (i === 30) {
          const [tmp] = await tmpFiles();
          seenOnDisk = tmp === undefined ? 0 : (await stat(join(root, '.ferry-tmp', tmp))).size;
        }
        yield chunk;
      }
    }
    await store.put('streamed.bin', source());
    // Well over half of what was produced so far had already reached the temp file.
    expect(seenOnDisk).toBeGreaterThan(15 * chunk.length);
    expect((await stat(join(root, 'streamed.bin'))).size).toBe(40 * chunk.length);
  });

  it('cleans up temp files after failed and concurrent writes', async () => {
    async function* failing(): AsyncIterable<Uint8Array> {
      yield Buffer.alloc(1000);
      throw new Error('boom');
    }
    await expect(store.put('x.bin', failing())).rejects.toThrow('boom');
    await Promise.all(Array.from({ length: 5 }, (_, i) => store.put('y.bin', Buffer.alloc(1000, i))));
    expect(await tmpFiles()).toEqual([]);
  });

  it('refuses to turn a file into a directory or overwrite a directory', async () => {
    await store.put('file.txt', Buffer.from('f'));
    await store.put('dir/inner.txt', Buffer.from('i'));
    await expectCode(() => store.put('file.txt/child.txt', Buffer.from('x')), 'INVALID_PARAMETER_VALUE');
    await expectCode(() => store.put('dir', Buffer.from('x')), 'INVALID_PARAMETER_VALUE');
    expect(await readFile(join(root, 'file.txt'), 'utf8')).toBe('f');
    expect(await tmpFiles()).toEqual([]);
  });

  it('lets the caller stop reading early', async () => {
    await store.put('big.bin', Buffer.alloc(1024 * 1024, 1));
    const { body } = await store.get('big.bin');
    for await (const chunk of body) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    await store.delete('big.bin');
    expect(await store.list('')).toEqual([]);
  });

  describe('symlinks', () => {
    beforeEach(async () => {
      await mkdir(root);
      await symlink(outside, join(root, 'out'));
      await symlink(join(outside, 'secret.txt'), join(root, 'secret.txt'));
      await symlink(join(base, 'nowhere'), join(root, 'dangling'));
      await store.put('real/inside.txt', Buffer.from('inside'));
      await symlink(join(root, 'real'), join(root, 'alias'));
      await symlink('inside.txt', join(root, 'real', 'link.txt'));
    });

    it('does not read through links that leave the root', async () => {
      await expectCode(() => store.get('out/secret.txt'), 'RESOURCE_DOES_NOT_EXIST');
      await expectCode(() => store.get('secret.txt'), 'RESOURCE_DOES_NOT_EXIST');
      await expectCode(() => store.get('dangling'), 'RESOURCE_DOES_NOT_EXIST');
      expect(await store.list('out')).toEqual([]);
      expect((await store.list('')).map((f) => f.path)).toEqual(['alias', 'real']);
    });

    it('does not write through links that leave the root', async () => {
      await expectCode(() => store.put('out/new.txt', Buffer.from('x')), 'INVALID_PARAMETER_VALUE');
      await expectCode(() => store.put('out/sub/new.txt', Buffer.from('x')), 'INVALID_PARAMETER_VALUE');
      await expectCode(() => store.put('dangling/new.txt', Buffer.from('x')), 'INVALID_PARAMETER_VALUE');
      // The destination is only resolved when the upload completes.
      const { uploadId } = await store.createMultipartUpload('out/mpu.txt');
      const { etag } = await store.uploadPart('out/mpu.txt', uploadId, 1, Buffer.from('x'));
      await expectCode(
        () => store.completeMultipartUpload('out/mpu.txt', uploadId, [{ partNumber: 1, etag }]),
        'INVALID_PARAMETER_VALUE',
      );
      expect((await readdir(outside)).sort()).toEqual(['secret.txt']);
      expect(existsSync(join(base, 'nowhere'))).toBe(false);
      expect(await tmpFiles()).toEqual([]);
    });

    it('replaces a link to an outside file instead of writing through it', async () => {
      await store.put('secret.txt', Buffer.from('replaced'));
      expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
      expect(await readAll((await store.get('secret.txt')).body)).toEqual(Buffer.from('replaced'));
    });

    it('deletes links, never what they point to', async () => {
      await store.delete('out/secret.txt');
      await store.delete('out');
      await store.delete('secret.txt');
      expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
      expect(existsSync(join(root, 'out'))).toBe(false);
    });

    it('follows links that stay inside the root', async () => {
      expect(await readAll((await store.get('alias/inside.txt')).body)).toEqual(Buffer.from('inside'));
      expect(await readAll((await store.get('real/link.txt')).body)).toEqual(Buffer.from('inside'));
      expect(await store.list('real')).toEqual([
        { path: 'real/inside.txt', is_dir: false, file_size: 6 },
        { path: 'real/link.txt', is_dir: false, file_size: 6 },
      ]);
      expect((await store.list('')).find((f) => f.path === 'alias')).toEqual({ path: 'alias', is_dir: true });
      await store.put('alias/via-alias.txt', Buffer.from('v'));
      expect(await readFile(join(root, 'real', 'via-alias.txt'), 'utf8')).toBe('v');
    });

    it('accepts a root that is itself a symlink', async () => {
      await symlink(root, join(base, 'root-link'));
      const linked = new LocalArtifactStore({ root: join(base, 'root-link') });
      expect(await readAll((await linked.get('real/inside.txt')).body)).toEqual(Buffer.from('inside'));
      await linked.put('via-link.txt', Buffer.from('l'));
      expect(await readFile(join(root, 'via-link.txt'), 'utf8')).toBe('l');
    });
  });

  describe('multipart staging folder', () => {
    it('stages parts under a hidden .ferry-mpu folder that list never shows', async () => {
      const { uploadId } = await store.createMultipartUpload('m/file.bin');
      const { etag } = await store.uploadPart('m/file.bin', uploadId, 1, Buffer.from('part'));
      expect(await readdir(join(root, '.ferry-mpu', uploadId))).toHaveLength(2);
      expect(await store.list('')).toEqual([]);
      await store.completeMultipartUpload('m/file.bin', uploadId, [{ partNumber: 1, etag }]);
      expect(existsSync(join(root, '.ferry-mpu', uploadId))).toBe(false);
      expect(await store.list('')).toEqual([{ path: 'm', is_dir: true }]);

      const aborted = await store.createMultipartUpload('m/other.bin');
      await store.abortMultipartUpload('m/other.bin', aborted.uploadId);
      expect(await readdir(join(root, '.ferry-mpu'))).toEqual([]);
    });

    it('makes the staging folders unaddressable', async () => {
      const { uploadId } = await store.createMultipartUpload('m/file.bin');
      for (const path of [
        '.ferry-mpu',
        `.ferry-mpu/${uploadId}/upload.json`,
        './.ferry-tmp/x',
        '.ferry-tmp',
      ]) {
        await expectCode(() => store.get(path), 'INVALID_PARAMETER_VALUE');
        await expectCode(() => store.list(path), 'INVALID_PARAMETER_VALUE');
        await expectCode(() => store.put(path, Buffer.from('x')), 'INVALID_PARAMETER_VALUE');
        await expectCode(() => store.delete(path), 'INVALID_PARAMETER_VALUE');
      }
      // Names that only look alike are ordinary artifacts.
      await store.put('sub/.ferry-mpu/x.txt', Buffer.from('x'));
      await store.put('.ferry-mpu2', Buffer.from('y'));
      expect((await store.list('')).map((f) => f.path)).toEqual(['.ferry-mpu2', 'sub']);
      expect(await store.list('sub')).toEqual([{ path: 'sub/.ferry-mpu', is_dir: true }]);
    });

    it('delete of the root removes artifacts but keeps open uploads', async () => {
      await store.put('a/b.txt', Buffer.from('x'));
      const { uploadId } = await store.createMultipartUpload('a/c.bin');
      await store.delete('');
      expect(await store.list('')).toEqual([]);
      const { etag } = await store.uploadPart('a/c.bin', uploadId, 1, Buffer.from('c'));
      await store.completeMultipartUpload('a/c.bin', uploadId, [{ partNumber: 1, etag }]);
      expect(await store.list('a')).toEqual([{ path: 'a/c.bin', is_dir: false, file_size: 1 }]);
    });
  });
});
