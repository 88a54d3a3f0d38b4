import { createHash, randomBytes } from 'node:crypto';
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../src/index.js';

export interface ArtifactStoreFixture {
  store: ArtifactStore;
  cleanup(): Promise<void>;
}

const MiB = 1024 * 1024;
/** S3's minimum size for every part but the last; the suite uses it so that S3 stores pass too. */
const MIN_PART = 5 * MiB;

/** Concatenates a body into one Buffer (test data only). */
export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Asserts that calling `fn` rejects (or throws) a FerryError with `code`. */
export async function expectCode(fn: () => Promise<unknown>, code: string): Promise<void> {
  await expect(Promise.resolve().then(fn)).rejects.toMatchObject({ name: 'FerryError', code });
}

async function* chunked(data: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += size) {
    await tick();
    yield data.subarray(i, i + size);
  }
}

const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

/**
 * The ArtifactStore contract, run against any implementation. `make` returns a fresh, empty store for
 * each test and a cleanup that removes everything it created.
 */
export function describeArtifactStore(name: string, make: () => Promise<ArtifactStoreFixture>): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    let fixture: ArtifactStoreFixture;
    let store: ArtifactStore;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.store.close?.();
      await fixture.cleanup();
    });

    const read = async (path: string): Promise<Buffer> => readAll((await store.get(path)).body);
    // Bodies are always consumed: an unread body holds its file handle (or connection) open.
    const readSized = async (path: string): Promise<{ data: Buffer; size: number }> => {
      const { body, size } = await store.get(path);
      return { data: await readAll(body), size };
    };
    const text = async (path: string): Promise<string> => (await read(path)).toString('utf8');

    describe('put / get', () => {
      it('round-trips binary data given as bytes', async () => {
        const data = Buffer.concat([
          Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
          randomBytes(70_000),
        ]);
        await store.put('bin/data.bin', data);
        const { body, size } = await store.get('bin/data.bin');
        expect(size).toBe(data.length);
        expect((await readAll(body)).equals(data)).toBe(true);
      });

      it('round-trips a stream of uneven chunks', async () => {
        const data = randomBytes(100_003);
        await store.put('stream.bin', chunked(data, 7_919));
        expect((await read('stream.bin')).equals(data)).toBe(true);
      });

      it('stores empty files', async () => {
        await store.put('empty.txt', new Uint8Array(0));
        const { body, size } = await store.get('empty.txt');
        expect(size).toBe(0);
        expect((await readAll(body)).length).toBe(0);
        expect(await store.list('')).toEqual([{ path: 'empty.txt', is_dir: false, file_size: 0 }]);
      });

      it('streams a 20 MB file in and out', async () => {
        const inHash = createHash('sha256');
        async function* source(): AsyncIterable<Uint8Array> {
          for (let i = 0; i < 20; i++) {
            const chunk = randomBytes(MiB);
            inHash.update(chunk);
            yield chunk;
          }
        }
        await store.put('big/20mb.bin', source());
        const { body, size } = await store.get('big/20mb.bin');
        expect(size).toBe(20 * MiB);
        const outHash = createHash('sha256');
        let chunks = 0;
        let total = 0;
        for await (const chunk of body) {
          outHash.update(chunk);
          chunks++;
          total += chunk.length;
        }
        expect(total).toBe(20 * MiB);
        expect(chunks).toBeGreaterThan(1);
        expect(outHash.digest('hex')).toBe(inHash.digest('hex'));
      });

      it('overwrites an existing file, longer then shorter', async () => {
        await store.put('over.txt', Buffer.from('a much longer first version'));
        await store.put('over.txt', Buffer.from('short'));
        const { data, size } = await readSized('over.txt');
        expect(size).toBe(5);
        expect(data.toString()).toBe('short');
      });

      it('normalises paths: ./a//b/ is a/b', async () => {
        await store.put('./n//x.txt', Buffer.from('x'));
        expect(await text('n/x.txt')).toBe('x');
        expect(await text('./n/./x.txt')).toBe('x');
        expect(await store.list('n/')).toEqual([{ path: 'n/x.txt', is_dir: false, file_size: 1 }]);
      });

      it('accepts names with spaces, unicode and literal percent signs', async () => {
        const path = 'dir/ä b %20 100%.txt';
        await store.put(path, Buffer.from('ok'));
        expect(await text(path)).toBe('ok');
        expect((await store.list('dir')).map((f) => f.path)).toEqual([path]);
      });

      it('get of a missing file or of a directory is RESOURCE_DOES_NOT_EXIST', async () => {
        await store.put('d/f.txt', Buffer.from('x'));
        await expectCode(() => store.get('nope.txt'), 'RESOURCE_DOES_NOT_EXIST');
        await expectCode(() => store.get('d/nope/f.txt'), 'RESOURCE_DOES_NOT_EXIST');
        await expectCode(() => store.get('d'), 'RESOURCE_DOES_NOT_EXIST');
        await expectCode(() => store.get('d/'), 'RESOURCE_DOES_NOT_EXIST');
      });

      it('a failing stream leaves the previous content, or nothing, in place', async () => {
        await store.put('keep.txt', Buffer.from('old'));
        async function* failing(): AsyncIterable<Uint8Array> {
          yield Buffer.alloc(100_000, 1);
          await tick();
          throw new Error('client went away');
        }
        await expect(store.put('keep.txt', failing())).rejects.toThrow('client went away');
        await expect(store.put('new/never.txt', failing())).rejects.toThrow('client went away');
        expect(await text('keep.txt')).toBe('old');
        await expectCode(() => store.get('new/never.txt'), 'RESOURCE_DOES_NOT_EXIST');
        expect(await store.list('')).toEqual([{ path: 'keep.txt', is_dir: false, file_size: 3 }]);
      });

      it('a reader never sees a half-written file', async () => {
        await store.put('atomic.txt', Buffer.from('old'));
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let halfway!: () => void;
        const reachedHalf = new Promise<void>((resolve) => (halfway = resolve));
        async function* slow(): AsyncIterable<Uint8Array> {
          yield Buffer.alloc(300_000, 'a');
          halfway();
          await gate;
          yield Buffer.alloc(300_000, 'b');
        }
        const writingOld = store.put('atomic.txt', slow());
        await reachedHalf;
        expect(await text('atomic.txt')).toBe('old');
        expect(await store.list('')).toEqual([{ path: 'atomic.txt', is_dir: false, file_size: 3 }]);
        release();
        await writingOld;
        const { data, size } = await readSized('atomic.txt');
        expect(size).toBe(600_000);
        expect(data.equals(Buffer.concat([Buffer.alloc(300_000, 'a'), Buffer.alloc(300_000, 'b')]))).toBe(
          true,
        );
      });

      it('a new key is invisible until its write completes', async () => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let started!: () => void;
        const reachedStart = new Promise<void>((resolve) => (started = resolve));
        async function* slow(): AsyncIterable<Uint8Array> {
          yield Buffer.from('first half ');
          started();
          await gate;
          yield Buffer.from('second half');
        }
        const writing = store.put('fresh/file.txt', slow());
        await reachedStart;
        await expectCode(() => store.get('fresh/file.txt'), 'RESOURCE_DOES_NOT_EXIST');
        expect((await store.list('fresh')).map((f) => f.path)).not.toContain('fresh/file.txt');
        release();
        await writing;
        expect(await text('fresh/file.txt')).toBe('first half second half');
      });

      it('concurrent puts to the same key leave exactly one whole file', async () => {
        const versions = Array.from({ length: 8 }, (_, i) => Buffer.alloc(256 * 1024 + i * 1000, i + 1));
        await Promise.all(versions.map((data) => store.put('race/same.bin', chunked(data, 16 * 1024))));
        const { data: result, size } = await readSized('race/same.bin');
        expect(versions.some((v) => v.equals(result))).toBe(true);
        expect(size).toBe(result.length);
        expect(await store.list('race')).toEqual([
          { path: 'race/same.bin', is_dir: false, file_size: result.length },
        ]);
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        await store.put('a.txt', Buffer.from('a'));
        await store.put('B.txt', Buffer.from('bb'));
        await store.put('_u.txt', Buffer.from('u'));
        await store.put('dir/b.txt', Buffer.from('bbb'));
        await store.put('dir/sub/c.bin', Buffer.from('cccc'));
        await store.put('dir/sub/deeper/d.txt', Buffer.from('d'));
        await store.put('dir2/e.txt', Buffer.from('e'));
      });

      it('lists direct children of the root, sorted by name, sizes for files only', async () => {
        expect(await store.list('')).toEqual([
          { path: 'B.txt', is_dir: false, file_size: 2 },
          { path: '_u.txt', is_dir: false, file_size: 1 },
          { path: 'a.txt', is_dir: false, file_size: 1 },
          { path: 'dir', is_dir: true },
          { path: 'dir2', is_dir: true },
        ]);
        for (const info of await store.list('')) {
          if (info.is_dir) expect(info).not.toHaveProperty('file_size');
        }
      });

      it('lists nested directories with root-relative paths', async () => {
        expect(await store.list('dir')).toEqual([
          { path: 'dir/b.txt', is_dir: false, file_size: 3 },
          { path: 'dir/sub', is_dir: true },
        ]);
        expect(await store.list('dir/sub/')).toEqual([
          { path: 'dir/sub/c.bin', is_dir: false, file_size: 4 },
          { path: 'dir/sub/deeper', is_dir: true },
        ]);
        expect(await store.list('./dir//sub/deeper')).toEqual([
          { path: 'dir/sub/deeper/d.txt', is_dir: false, file_size: 1 },
        ]);
      });

      it('treats undefined like the root', async () => {
        expect(await store.list(undefined as unknown as string)).toEqual(await store.list(''));
      });

      it('returns [] for a missing directory or a file path', async () => {
        expect(await store.list('missing')).toEqual([]);
        expect(await store.list('dir/missing/deeper')).toEqual([]);
        expect(await store.list('a.txt')).toEqual([]);
        expect(await store.list('di')).toEqual([]);
      });
    });

    describe('delete', () => {
      beforeEach(async () => {
        await store.put('dir/a.txt', Buffer.from('a'));
        await store.put('dir/b.txt', Buffer.from('b'));
        await store.put('dir/sub/c.txt', Buffer.from('c'));
        await store.put('dir2/d.txt', Buffer.from('d'));
        await store.put('dir.txt', Buffer.from('e'));
      });

      it('deletes one file', async () => {
        await store.delete('dir/a.txt');
        await expectCode(() => store.get('dir/a.txt'), 'RESOURCE_DOES_NOT_EXIST');
        expect((await store.list('dir')).map((f) => f.path)).toEqual(['dir/b.txt', 'dir/sub']);
      });

      it('deletes a whole tree and nothing that merely shares its prefix', async () => {
        await store.delete('dir/');
        await expectCode(() => store.get('dir/sub/c.txt'), 'RESOURCE_DOES_NOT_EXIST');
        expect(await store.list('dir')).toEqual([]);
        expect((await store.list('')).map((f) => f.path)).toEqual(['dir.txt', 'dir2']);
        expect(await text('dir2/d.txt')).toBe('d');
      });

      it('ignores missing paths', async () => {
        await store.delete('nope');
        await store.delete('dir/nope/deeper.txt');
        await store.delete('dir/a.txt');
        await store.delete('dir/a.txt');
        expect((await store.list('dir')).map((f) => f.path)).toEqual(['dir/b.txt', 'dir/sub']);
      });

      it('allows writing again after a delete', async () => {
        await store.delete('dir');
        await store.put('dir/a.txt', Buffer.from('again'));
        expect(await text('dir/a.txt')).toBe('again');
      });
    });

    describe('path safety', () => {
      const badPaths = [
        '..',
        '../',
        '../x',
        'a/../../x',
        'a/..',
        '/etc/passwd',
        '//etc/passwd',
        'a\\b',
        '..\\x',
        'C:/x',
        'c:\\x',
        'a\0b',
        '%2e%2e/x',
        'a/%2E%2E/b',
        '.%2e/x',
        '%252e%252e/x',
        'a%2fb',
        '%2Fetc%2Fpasswd',
        'a%5cb',
        'a%00b',
      ];
      const upload = '0123456789abcdef0123456789abcdef';
      const calls: [string, (p: string) => Promise<unknown>][] = [
        ['put', (p) => store.put(p, Buffer.from('x'))],
        ['get', (p) => store.get(p)],
        ['list', (p) => store.list(p)],
        ['delete', (p) => store.delete(p)],
        ['createMultipartUpload', (p) => store.createMultipartUpload(p)],
        ['uploadPart', (p) => store.uploadPart(p, upload, 1, Buffer.from('x'))],
        [
          'completeMultipartUpload',
          (p) => store.completeMultipartUpload(p, upload, [{ partNumber: 1, etag: '"x"' }]),
        ],
        ['abortMultipartUpload', (p) => store.abortMultipartUpload(p, upload)],
      ];

      for (const [method, call] of calls) {
        it(`${method} rejects traversal with INVALID_PARAMETER_VALUE`, async () => {
          for (const path of badPaths) {
            await expect(
              Promise.resolve().then(() => call(path)),
              JSON.stringify(path),
            ).rejects.toMatchObject({
              code: 'INVALID_PARAMETER_VALUE',
            });
          }
          expect(await store.list('')).toEqual([]);
        });
      }

      it('put to the root itself is rejected', async () => {
        await expectCode(() => store.put('', Buffer.from('x')), 'INVALID_PARAMETER_VALUE');
        await expectCode(() => store.put('./', Buffer.from('x')), 'INVALID_PARAMETER_VALUE');
      });
    });

    describe('multipart upload', () => {
      const part1 = randomBytes(MIN_PART);
      const part2 = randomBytes(MIN_PART);
      const part3 = Buffer.from('the small last part');

      it('joins parts in part-number order, whatever the upload and list order', async () => {
        const { uploadId } = await store.createMultipartUpload('mpu/big.bin');
        expect(typeof uploadId).toBe('string');
        const e3 = await store.uploadPart('mpu/big.bin', uploadId, 3, part3);
        const e1 = await store.uploadPart('mpu/big.bin', uploadId, 1, chunked(part1, MiB));
        const e2 = await store.uploadPart('mpu/big.bin', uploadId, 2, part2);
        expect(e1.etag).toBe(`"${md5(part1)}"`);
        expect(e2.etag).toBe(`"${md5(part2)}"`);
        expect(e3.etag).toBe(`"${md5(part3)}"`);
        await expectCode(() => store.get('mpu/big.bin'), 'RESOURCE_DOES_NOT_EXIST');
        expect(await store.list('')).toEqual([]);

        await store.completeMultipartUpload('mpu/big.bin', uploadId, [
          { partNumber: 3, etag: e3.etag },
          { partNumber: 1, etag: e1.etag },
          { partNumber: 2, etag: e2.etag },
        ]);
        const { body, size } = await store.get('mpu/big.bin');
        expect(size).toBe(part1.length + part2.length + part3.length);
        expect((await readAll(body)).equals(Buffer.concat([part1, part2, part3]))).toBe(true);
        expect(await store.list('')).toEqual([{ path: 'mpu', is_dir: true }]);
        // The upload is finished: its id is gone.
        await expectCode(
          () => store.completeMultipartUpload('mpu/big.bin', uploadId, [{ partNumber: 1, etag: e1.etag }]),
          'RESOURCE_DOES_NOT_EXIST',
        );
      });

      it('replaces an existing file and uses a re-uploaded part', async () => {
        await store.put('mpu/f.txt', Buffer.from('old'));
        const { uploadId } = await store.createMultipartUpload('mpu/f.txt');
        await store.uploadPart('mpu/f.txt', uploadId, 1, Buffer.from('first try'));
        const { etag } = await store.uploadPart('mpu/f.txt', uploadId, 1, Buffer.from('second try'));
        await store.completeMultipartUpload('mpu/f.txt', uploadId, [{ partNumber: 1, etag }]);
        expect(await text('mpu/f.txt')).toBe('second try');
      });

      it('only includes the listed parts', async () => {
        const { uploadId } = await store.createMultipartUpload('only.bin');
        const { etag } = await store.uploadPart('only.bin', uploadId, 1, Buffer.from('kept'));
        await store.uploadPart('only.bin', uploadId, 2, Buffer.from('dropped'));
        await store.completeMultipartUpload('only.bin', uploadId, [{ partNumber: 1, etag }]);
        expect(await text('only.bin')).toBe('kept');
      });

      it('abort discards the upload', async () => {
        const { uploadId } = await store.createMultipartUpload('aborted.bin');
        const { etag } = await store.uploadPart('aborted.bin', uploadId, 1, Buffer.from('x'));
        await store.abortMultipartUpload('aborted.bin', uploadId);
        await expectCode(() => store.get('aborted.bin'), 'RESOURCE_DOES_NOT_EXIST');
        await expectCode(
          () => store.uploadPart('aborted.bin', uploadId, 2, Buffer.from('y')),
          'RESOURCE_DOES_NOT_EXIST',
        );
        await expectCode(
          () => store.completeMultipartUpload('aborted.bin', uploadId, [{ partNumber: 1, etag }]),
          'RESOURCE_DOES_NOT_EXIST',
        );
        await expectCode(
          () => store.abortMultipartUpload('aborted.bin', uploadId),
          'RESOURCE_DOES_NOT_EXIST',
        );
        expect(await store.list('')).toEqual([]);
      });

      it('rejects a wrong etag with INVALID_PARAMETER_VALUE and keeps the upload usable', async () => {
        const { uploadId } = await store.createMultipartUpload('etag.bin');
        const { etag } = await store.uploadPart('etag.bin', uploadId, 1, Buffer.from('part one'));
        const complete = (parts: { partNumber: number; etag: string }[]) => () =>
          store.completeMultipartUpload('etag.bin', uploadId, parts);
        await expectCode(
          complete([{ partNumber: 1, etag: `"${'0'.repeat(32)}"` }]),
          'INVALID_PARAMETER_VALUE',
        );
        await expectCode(complete([{ partNumber: 1, etag: 'garbage' }]), 'INVALID_PARAMETER_VALUE');
        // Part 1's etag for a part 2 that was never uploaded.
        await expectCode(
          complete([
            { partNumber: 1, etag },
            { partNumber: 2, etag },
          ]),
          'INVALID_PARAMETER_VALUE',
        );
        await expectCode(complete([]), 'INVALID_PARAMETER_VALUE');
        await expectCode(() => store.get('etag.bin'), 'RESOURCE_DOES_NOT_EXIST');
        await store.completeMultipartUpload('etag.bin', uploadId, [{ partNumber: 1, etag }]);
        expect(await text('etag.bin')).toBe('part one');
      });

      it('rejects part numbers outside 1…10000', async () => {
        const { uploadId } = await store.createMultipartUpload('num.bin');
        for (const n of [0, -1, 1.5, 10_001, Number.NaN]) {
          await expectCode(
            () => store.uploadPart('num.bin', uploadId, n, Buffer.from('x')),
            'INVALID_PARAMETER_VALUE',
          );
        }
        await store.abortMultipartUpload('num.bin', uploadId);
      });

      it('unknown upload ids, or an id used with another path, are RESOURCE_DOES_NOT_EXIST', async () => {
        const { uploadId } = await store.createMultipartUpload('mine.bin');
        const { etag } = await store.uploadPart('mine.bin', uploadId, 1, Buffer.from('x'));
        for (const [path, id] of [
          ['mine.bin', '0'.repeat(32)],
          ['mine.bin', 'not-an-upload'],
          ['mine.bin', '../../etc'],
          ['other.bin', uploadId],
        ] as const) {
          await expectCode(() => store.uploadPart(path, id, 1, Buffer.from('x')), 'RESOURCE_DOES_NOT_EXIST');
          await expectCode(
            () => store.completeMultipartUpload(path, id, [{ partNumber: 1, etag }]),
            'RESOURCE_DOES_NOT_EXIST',
          );
          await expectCode(() => store.abortMultipartUpload(path, id), 'RESOURCE_DOES_NOT_EXIST');
        }
        await store.completeMultipartUpload('mine.bin', uploadId, [{ partNumber: 1, etag }]);
        expect(await text('mine.bin')).toBe('x');
        await expectCode(() => store.get('other.bin'), 'RESOURCE_DOES_NOT_EXIST');
      });
    });
  });
}
