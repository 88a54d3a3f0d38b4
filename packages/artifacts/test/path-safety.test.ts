import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { safeRelativePath } from '../src/index.js';

const rejects = (p: string): void => {
  expect(() => safeRelativePath(p), JSON.stringify(p)).toThrow(
    expect.objectContaining({ code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' }),
  );
};

describe('safeRelativePath', () => {
  it('maps empty and undefined to the root', () => {
    expect(safeRelativePath(undefined)).toBe('');
    expect(safeRelativePath('')).toBe('');
    expect(safeRelativePath('.')).toBe('');
    expect(safeRelativePath('./')).toBe('');
    expect(safeRelativePath('.//./')).toBe('');
  });

  it.each([
    ['a', 'a'],
    ['a/b/c.txt', 'a/b/c.txt'],
    ['./a', 'a'],
    ['././a/b', 'a/b'],
    ['a/', 'a'],
    ['a/b///', 'a/b'],
    ['a//b', 'a/b'],
    ['a/./b', 'a/b'],
    ['a/.', 'a'],
  ])('normalises %j to %j', (input, expected) => {
    expect(safeRelativePath(input)).toBe(expected);
  });

  it.each([
    'a..b',
    '...',
    '..a',
    'a..',
    'a/..b/c',
    '.hidden/.x',
    'dir with space/ä ö ü 漢字.txt',
    '%20',
    'a%2eb',
    '100%.txt',
    '%zz%',
    '%e2%82%ac',
    'ab:c',
    'dir/a:b',
    'dir/C:',
    'run #1/model?.pkl',
  ])('keeps the harmless name %j', (name) => {
    expect(safeRelativePath(name)).toBe(name);
  });

  describe('rejects', () => {
    it.each(['..', '../', '../a', 'a/..', 'a/../b', 'a/b/../../..', './..', 'a/./../..', '.././a'])(
      'the .. segment in %j',
      rejects,
    );

    it.each(['/', '/a', '//a', '/etc/passwd', '///a/b'])('the absolute path %j', rejects);

    it.each(['\\', 'a\\b', '..\\a', '\\\\server\\share', 'a/b\\..\\..\\c'])('the backslash in %j', rejects);

    it.each(['C:', 'C:/x', 'c:\\x', 'C:x', 'a:b', 'z:/', './C:/x', './/d:/x'])(
      'the drive letter in %j',
      rejects,
    );

    it.each(['\0', 'a\0b', 'a/\0/b', 'file.txt\0.png'])('NUL in %j', rejects);

    it.each([
      '%2e%2e',
      '%2E%2E',
      '%2e%2E/a',
      'a/%2e%2e/b',
      '.%2e/a',
      '%2e./a',
      'a/.%2E',
      '%252e%252e/a',
      '%25252e%25252e/a',
      '%2e%2e%2fa',
      'a%2fb',
      'a%2Fb',
      '%2fetc%2fpasswd',
      '%2F',
      '%5c',
      'a%5Cb',
      '%255c',
      '%00',
      'a%2500b',
      '%43%3a/x',
      '%2e%2e\\a',
      '%2525252525252525252e',
    ])('the percent-encoded trick %j', rejects);
  });

  it('is idempotent on what it accepts', () => {
    for (const p of ['./a//b/', 'a/./b/', 'x%20y/z', '...']) {
      const once = safeRelativePath(p);
      expect(safeRelativePath(once)).toBe(once);
    }
  });

  it('never yields a path that leaves the root, even after repeated percent-decoding (fuzz)', () => {
    const alphabet = ['.', '.', '/', '/', 'a', '%', '2', 'e', 'E', 'f', '5', 'c', '0', '\\', ':', 'C'];
    let seed = 0x2545f491;
    const random = (n: number): number => {
      // xorshift32: deterministic, so a failure reproduces.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    let accepted = 0;
    for (let i = 0; i < 30_000; i++) {
      let p = '';
      for (let len = 1 + random(14); len > 0; len--) p += alphabet[random(alphabet.length)];
      let result: string;
      try {
        result = safeRelativePath(p);
      } catch {
        continue;
      }
      accepted++;
      for (let layer = result, n = 0; n < 10; n++) {
        expect(layer, JSON.stringify(p)).not.toMatch(/[\\\0]|^[a-zA-Z]:/);
        const resolved = posix.resolve('/root', layer);
        expect(resolved === '/root' || resolved.startsWith('/root/'), JSON.stringify(p)).toBe(true);
        expect(layer.split('/'), JSON.stringify(p)).not.toContain('..');
        const next = layer.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) =>
          String.fromCharCode(parseInt(h, 16)),
        );
        if (next === layer) break;
        layer = next;
      }
    }
    // The generator must exercise both outcomes to mean anything.
    expect(accepted).toBeGreaterThan(1000);
    expect(accepted).toBeLessThan(29_000);
  });
});
