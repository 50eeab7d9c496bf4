// stat() results shared by all requests of a process, like lighttpd 1.4.69 stat_cache.c:
// server.stat-cache-engine "simple" keeps an entry for the second it was taken in, "disable"
// never keeps one. Entries also memoise what is derived from the stat (ETag, Last-Modified) and,
// for small files, the content, so a hot small file costs no system call at all.
import fs from 'node:fs';
import { createEtag } from './etag';
import { readOpened, sameFile } from './opened-file';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

export type StatCacheEngine = 'simple' | 'disable';

/**
 * Files up to this size have their content kept with the entry (bounded by MAX_CONTENT_BYTES in all):
 * a hot file is answered from memory in one write; larger files are streamed from disk.
 */
export const SMALL_FILE_LIMIT = 1024 * 1024;
/** Upper bounds; the cache is emptied when one is passed (cheap, and rare on real sites). */
const MAX_ENTRIES = 8192;
const MAX_CONTENT_BYTES = 32 * 1024 * 1024;

export interface StatEntry {
  readonly path: string;
  /** null when the path does not exist or cannot be stat'ed; see `errno`. */
  readonly stats: fs.Stats | null;
  /** "ENOENT", "ENOTDIR", "EACCES"... when `stats` is null. */
  readonly errno: string;
  /** the second this stat was taken. */
  readonly checkedAt: number;
  etagFlags: number;
  etag: string;
  lastModified: string;
  /** small regular files: the bytes, once read. */
  content: Buffer | null;
  /** reading the content failed (the file changed meanwhile): stream it instead. */
  contentFailed: boolean;
  /**
   * `stats` and `content` come from a descriptor opened without following a symlink anywhere on
   * `path` (see openNoFollow): what server.follow-symlink = "disable" may serve.
   */
  noFollow: boolean;
  /** The headers mod_staticfile built for this entry under the config objects `key` and `conf`. */
  headers: { readonly key: object; readonly conf: object; readonly list: readonly string[] } | null;
  /** The last whole response (head and body) sent for this entry, reused while nothing it depends on changed. */
  wire: WireResponse | null;
}

/** A serialized response and what it was built from (see connection.ts respond). */
export interface WireResponse {
  readonly second: number;
  readonly status: number;
  readonly variant: number;
  /** the per-request config objects the headers came from (identical objects: identical headers). */
  readonly conf: object;
  readonly key: object;
  readonly body: Buffer;
  readonly bytes: Buffer;
}

export class StatCache {
  private readonly entries = new Map<string, StatEntry>();
  private contentBytes = 0;

  constructor(
    readonly engine: StatCacheEngine,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** A fresh entry, or undefined (then call `stat`). */
  get(path: string): StatEntry | undefined {
    const e = this.entries.get(path);
    if (e === undefined) return undefined;
    if (e.checkedAt !== this.now()) return undefined;
    return e;
  }

  /** stat()s the path (following symlinks, as lighttpd's stat cache does for the final target). */
  stat(path: string): Promise<StatEntry> {
    return new Promise((resolve) => {
      fs.stat(path, (err, st) => {
        const old = this.entries.get(path);
        const entry = this.newEntry(path, err === null ? st : null, err === null ? '' : (err.code ?? 'EIO'), false);
        // unchanged file: keep what was derived from it
        if (old !== undefined && old.stats !== null && st !== undefined && err === null && sameFile(old.stats, st)) {
          keepDerived(entry, old);
          entry.content = old.content;
          entry.noFollow = old.noFollow;
        } else if (old?.content) {
          this.contentBytes -= old.content.length;
        }
        if (this.engine !== 'disable') {
          if (this.entries.size >= MAX_ENTRIES && old === undefined) this.clear();
          this.entries.set(path, entry);
        }
        resolve(entry);
      });
    });
  }

  /** The entry's ETag for `flags` (memoised). */
  etagOf(e: StatEntry, flags: number): string {
    if (e.etagFlags !== flags) {
      e.etag = createEtag(e.stats as fs.Stats, flags);
      e.etagFlags = flags;
    }
    return e.etag;
  }

  lastModifiedOf(e: StatEntry): string {
    if (e.lastModified === '') e.lastModified = new Date(Math.floor((e.stats as fs.Stats).mtimeMs / 1000) * 1000).toUTCString();
    return e.lastModified;
  }

  /**
   * Reads a small file's content into the entry (`content`, or `contentFailed` when the file is no
   * longer the one `stats` describes, or could not be read). The content is read from a descriptor
   * whose fstat matches the entry, so it always belongs to the stat it is served with. The entry
   * keeps it while the cache does.
   */
  loadContent(e: StatEntry): Promise<void> {
    return readOpened(e.path, { flags: O_RDONLY | O_NONBLOCK, maxContent: SMALL_FILE_LIMIT, expect: e.stats as fs.Stats }).then((r) => {
      if (r.content === null) {
        this.entries.delete(e.path);
        e.contentFailed = true;
        return;
      }
      this.keepContent(e, r.content);
    });
  }

  /**
   * server.follow-symlink = "disable", decided on what was actually opened (lighttpd 1.4.69
   * stat_cache_open_rdonly_fstat with O_NOFOLLOW, and stat_cache_path_contains_symlink for the
   * directories): the file is opened with O_NOFOLLOW (a symlink as the last component fails with
   * ELOOP), the kernel's name for the descriptor (/proc/self/fd) must be `path` itself (a symlinked
   * directory anywhere on the path resolves elsewhere), and the stat and the content come from that
   * descriptor. Resolves with a `noFollow` entry, or null when a symlink is in the way (403).
   */
  openNoFollow(path: string): Promise<StatEntry | null> {
    const old = this.entries.get(path);
    return readOpened(path, { flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK, maxContent: SMALL_FILE_LIMIT, ...(old?.noFollow === true ? { known: old } : {}) }).then((r) => {
      if (r.symlink) return null;
      const entry = this.newEntry(path, r.stats, r.errno, true);
      if (r.stats === null) return entry;
      if (old !== undefined && old.noFollow && old.stats !== null && sameFile(old.stats, r.stats)) keepDerived(entry, old);
      if (old?.content) this.contentBytes -= old.content.length;
      if (this.engine !== 'disable') this.entries.set(path, entry);
      if (r.content !== null) this.keepContent(entry, r.content);
      else if (r.stats.isFile() && r.stats.size > 0 && r.stats.size <= SMALL_FILE_LIMIT) entry.contentFailed = true;
      return entry;
    });
  }

  private newEntry(path: string, stats: fs.Stats | null, errno: string, noFollow: boolean): StatEntry {
    return { path, stats, errno, checkedAt: this.now(), etagFlags: -1, etag: '', lastModified: '', content: null, contentFailed: false, noFollow, wire: null, headers: null };
  }

  private keepContent(e: StatEntry, content: Buffer): void {
    e.content = content;
    if (this.engine !== 'disable' && this.entries.get(e.path) === e) {
      if (this.contentBytes + content.length > MAX_CONTENT_BYTES) this.clear();
      else this.contentBytes += content.length;
    }
  }

  /** lstat for the follow-symlink check (not cached: it only runs with follow-symlink disabled). */
  lstat = (path: string): Promise<fs.Stats | undefined> =>
    new Promise((resolve) => fs.lstat(path, (err, st) => resolve(err === null ? st : undefined)));

  clear(): void {
    this.entries.clear();
    this.contentBytes = 0;
  }
}

/** What was derived from a file's stat (ETag, Last-Modified) stays valid while the file is the same. */
function keepDerived(entry: StatEntry, old: StatEntry): void {
  entry.etagFlags = old.etagFlags;
  entry.etag = old.etag;
  entry.lastModified = old.lastModified;
}
