// White-box tests of the ETag (lighttpd 1.4.69 src/http_etag.c http_etag_create, etag_is_equal).
import type { Stats } from 'node:fs';
import { ETAG_USE_INODE, ETAG_USE_MTIME, ETAG_USE_SIZE, createEtag, etagMatches } from './etag';

const ALL = ETAG_USE_INODE | ETAG_USE_MTIME | ETAG_USE_SIZE;
const stats = (mtimeMs: number, size = 100, ino = 42): Stats => ({ ino, size, mtimeMs }) as Stats;

describe('createEtag', () => {
  it('is a quoted number, the same for the same stat, and empty when etags are off', () => {
    const tag = createEtag(stats(1700000000123.456), ALL);
    expect(tag).toMatch(/^"\d+"$/);
    expect(createEtag(stats(1700000000123.456), ALL)).toBe(tag);
    expect(createEtag(stats(1700000000123.456), 0)).toBe('');
  });

  it('changes when the mtime changes within the same second (lighttpd mixes in st_mtim.tv_nsec)', () => {
    const base = 1700000000000;
    const tags = [base + 100, base + 600, base + 600.001, base + 999.9999].map((ms) => createEtag(stats(ms), ALL));
    expect(new Set(tags).size).toBe(tags.length);
    expect(createEtag(stats(base + 100), ETAG_USE_MTIME)).not.toBe(createEtag(stats(base + 600), ETAG_USE_MTIME));
  });

  it('follows only the parts etag.use-* select', () => {
    expect(createEtag(stats(1700000000100), ETAG_USE_INODE | ETAG_USE_SIZE)).toBe(createEtag(stats(1700000000600), ETAG_USE_INODE | ETAG_USE_SIZE));
    expect(createEtag(stats(1700000000100, 1), ETAG_USE_SIZE)).not.toBe(createEtag(stats(1700000000100, 2), ETAG_USE_SIZE));
    expect(createEtag(stats(1700000000100, 1, 1), ETAG_USE_INODE)).not.toBe(createEtag(stats(1700000000100, 1, 2), ETAG_USE_INODE));
  });
});

describe('etagMatches', () => {
  it('compares weakly, in lists, and "*" matches any', () => {
    expect(etagMatches('"1"', '"1"')).toBe(true);
    expect(etagMatches('W/"1"', '"1"')).toBe(true);
    expect(etagMatches('"0", "1"', '"1"')).toBe(true);
    expect(etagMatches('*', '"1"')).toBe(true);
    expect(etagMatches('"2"', '"1"')).toBe(false);
    expect(etagMatches('"1"', '')).toBe(false);
  });
});
