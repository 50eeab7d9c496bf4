// White-box tests of the stat cache (lighttpd 1.4.69 src/stat_cache.c: "simple" keeps an entry for
// its second, "disable" keeps none; stat_cache_open_rdonly_fstat with O_NOFOLLOW for
// server.follow-symlink = "disable"), on real files in a directory made for each test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StatCache, type StatEntry } from './stat-cache';

let dir = '';
let clock = 1700000000;
const now = (): number => clock;

beforeEach(() => {
  // the real path: a symlinked temp dir would put a symlink on every path below
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'httpd-stat-')));
  clock = 1700000000;
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

/** Puts a different file (another inode, another size) at `p`, as a deploy by rename does. */
function replace(p: string, content: string): void {
  fs.writeFileSync(p + '.new', content);
  fs.renameSync(p + '.new', p);
}

describe('StatCache', () => {
  describe('get and stat', () => {
    it('answers from the cache within the second the stat was taken, not in a later one', async () => {
      const cache = new StatCache('simple', now);
      const p = file('a.txt', 'hello');
      expect(cache.get(p)).toBeUndefined();
      const e = await cache.stat(p);
      expect(e.stats?.size).toBe(5);
      expect(e.checkedAt).toBe(clock);
      expect(cache.get(p)).toBe(e);
      clock++;
      expect(cache.get(p)).toBeUndefined();
      const again = await cache.stat(p);
      expect(again.checkedAt).toBe(clock);
      expect(cache.get(p)).toBe(again);
    });

    it('keeps nothing with server.stat-cache-engine = "disable"', async () => {
      const cache = new StatCache('disable', now);
      const p = file('a.txt', 'hello');
      const e = await cache.stat(p);
      expect(e.stats?.isFile()).toBe(true);
      expect(cache.get(p)).toBeUndefined();
      const opened = await cache.openNoFollow(p);
      expect(opened?.content?.toString()).toBe('hello');
      expect(cache.get(p)).toBeUndefined();
    });

    it('records why a path cannot be stat\'ed', async () => {
      const cache = new StatCache('simple', now);
      const p = file('a.txt', 'x');
      const missing = await cache.stat(path.join(dir, 'missing'));
      expect([missing.stats, missing.errno]).toEqual([null, 'ENOENT']);
      const below = await cache.stat(path.join(p, 'below'));
      expect([below.stats, below.errno]).toEqual([null, 'ENOTDIR']);
      // negative answers are cached for their second too
      expect(cache.get(path.join(dir, 'missing'))).toBe(missing);
    });

    it('keeps what was derived from an unchanged file in the next second, and drops it for a changed one', async () => {
      const cache = new StatCache('simple', now);
      const p = file('a.txt', 'hello');
      const first = await cache.stat(p);
      const tag = cache.etagOf(first, 7);
      await cache.loadContent(first);
      clock++;
      const same = await cache.stat(p);
      expect(same).not.toBe(first);
      expect(same.etag).toBe(tag);
      expect(same.content?.toString()).toBe('hello');

      replace(p, 'changed!');
      clock++;
      const changed = await cache.stat(p);
      expect(changed.stats?.size).toBe(8);
      expect(changed.etagFlags).toBe(-1);
      expect(changed.content).toBeNull();
      expect(cache.etagOf(changed, 7)).not.toBe(tag);
    });
  });

  describe('loadContent', () => {
    it('reads the content of the file the entry describes', async () => {
      const cache = new StatCache('simple', now);
      const p = file('a.txt', 'small file');
      const e = await cache.stat(p);
      await cache.loadContent(e);
      expect(e.contentFailed).toBe(false);
      expect(e.content?.toString()).toBe('small file');
      expect(cache.get(p)).toBe(e);
    });

    it('reads nothing when the file changed since its stat (contentFailed) and forgets the entry', async () => {
      const cache = new StatCache('simple', now);
      const p = file('a.txt', 'version one');
      const e = await cache.stat(p);
      fs.writeFileSync(p, 'version two, longer');
      await cache.loadContent(e);
      expect(e.content).toBeNull();
      expect(e.contentFailed).toBe(true);
      expect(cache.get(p)).toBeUndefined();
    });

    it('reads nothing when the path now names another file of the same size', async () => {
      const cache = new StatCache('simple', now);
      const p = file('a.txt', 'AAAA');
      const e = await cache.stat(p);
      replace(p, 'BBBB');
      await cache.loadContent(e);
      expect(e.contentFailed).toBe(true);
      expect(e.content).toBeNull();
    });
  });

  describe('openNoFollow (server.follow-symlink = "disable")', () => {
    it('gives a regular file a noFollow entry with its stat and content, and caches it', async () => {
      const cache = new StatCache('simple', now);
      const p = file('sub/a.txt', 'plain');
      const e = (await cache.openNoFollow(p)) as StatEntry;
      expect(e).not.toBeNull();
      expect(e.noFollow).toBe(true);
      expect(e.stats?.isFile()).toBe(true);
      expect(e.stats?.ino).toBe(fs.statSync(p).ino);
      expect(e.content?.toString()).toBe('plain');
      expect(e.contentFailed).toBe(false);
      expect(cache.get(p)).toBe(e);
    });

    it('refuses a symlink as the last component', async () => {
      const cache = new StatCache('simple', now);
      const target = file('real.txt', 'secret');
      const link = path.join(dir, 'link.txt');
      fs.symlinkSync(target, link);
      expect(await cache.openNoFollow(link)).toBeNull();
      expect(cache.get(link)).toBeUndefined();
    });

    it('refuses a path with a symlinked directory on it', async () => {
      const cache = new StatCache('simple', now);
      file('real/a.txt', 'secret');
      fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'alias'));
      const p = path.join(dir, 'alias', 'a.txt');
      expect(fs.readFileSync(p, 'utf8')).toBe('secret');
      expect(await cache.openNoFollow(p)).toBeNull();
      expect(cache.get(p)).toBeUndefined();
    });

    it('answers a missing file with its errno (not as a symlink)', async () => {
      const cache = new StatCache('simple', now);
      const e = await cache.openNoFollow(path.join(dir, 'missing'));
      expect(e).not.toBeNull();
      expect([e?.stats, e?.errno, e?.noFollow]).toEqual([null, 'ENOENT', true]);
    });

    it('reuses the content of an unchanged file and reads a replaced file afresh', async () => {
      const cache = new StatCache('simple', now);
      const p = file('a.txt', 'first');
      const first = (await cache.openNoFollow(p)) as StatEntry;
      const tag = cache.etagOf(first, 7);
      const again = (await cache.openNoFollow(p)) as StatEntry;
      expect(again.content).toBe(first.content);
      expect(again.etag).toBe(tag);

      replace(p, 'second version');
      const fresh = (await cache.openNoFollow(p)) as StatEntry;
      expect(fresh.stats?.ino).not.toBe(first.stats?.ino);
      expect(fresh.content?.toString()).toBe('second version');
      expect(fresh.etagFlags).toBe(-1);
      expect(cache.etagOf(fresh, 7)).not.toBe(tag);
      expect(cache.get(p)).toBe(fresh);
    });

    it('keeps no content for an empty file or a directory', async () => {
      const cache = new StatCache('simple', now);
      const empty = file('empty', '');
      const e = (await cache.openNoFollow(empty)) as StatEntry;
      expect([e.content, e.contentFailed, e.stats?.size]).toEqual([null, false, 0]);
      const d = (await cache.openNoFollow(dir)) as StatEntry;
      expect(d.stats?.isDirectory()).toBe(true);
      expect(d.content).toBeNull();
    });
  });

  describe('etagOf and lastModifiedOf', () => {
    it('memoises the ETag per etag.use-* flags', async () => {
      const cache = new StatCache('simple', now);
      const e = await cache.stat(file('a.txt', 'x'));
      const all = cache.etagOf(e, 7);
      expect(all).toMatch(/^"\d+"$/);
      expect(e.etagFlags).toBe(7);
      // the same flags: the stored tag is answered without computing it again
      e.etag = '"memoised"';
      expect(cache.etagOf(e, 7)).toBe('"memoised"');
      // other flags: computed for them
      const sizeOnly = cache.etagOf(e, 4);
      expect(sizeOnly).toMatch(/^"\d+"$/);
      expect(sizeOnly).not.toBe('"memoised"');
      expect(e.etagFlags).toBe(4);
      expect(cache.etagOf(e, 7)).toBe(all);
      expect(cache.etagOf(e, 0)).toBe('');
    });

    it('writes Last-Modified as the HTTP date of the mtime\'s second', async () => {
      const cache = new StatCache('simple', now);
      const p = file('a.txt', 'x');
      fs.utimesSync(p, 1700000000.75, 1700000000.75);
      const e = await cache.stat(p);
      expect(cache.lastModifiedOf(e)).toBe('Tue, 14 Nov 2023 22:13:20 GMT');
    });
  });

  it('clear() forgets every entry', async () => {
    const cache = new StatCache('simple', now);
    const p = file('a.txt', 'x');
    await cache.stat(p);
    cache.clear();
    expect(cache.get(p)).toBeUndefined();
  });
});
