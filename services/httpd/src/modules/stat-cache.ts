// stat() results shared by all requests of a process, like lighttpd 1.4.69 stat_cache.c:
// server.stat-cache-engine "simple" keeps an entry for the second it was taken in, "disable"
// never keeps one. Entries also memoise what is derived from the stat (ETag, Last-Modified) and,
// for small files, the content, so a hot small file costs no system call at all.
import fs from 'node:fs';
import { createEtag } from './etag';

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
        const entry: StatEntry = {
          path,
          stats: err === null ? st : null,
          errno: err === null ? '' : (err.code ?? 'EIO'),
          checkedAt: this.now(),
          etagFlags: -1,
          etag: '',
          lastModified: '',
          content: null,
          contentFailed: false,
          wire: null,
          headers: null,
        };
        // unchanged file: keep what was derived from it
        if (old !== undefined && old.stats !== null && st !== undefined && err === null && sameFile(old.stats, st)) {
          entry.etagFlags = old.etagFlags;
          entry.etag = old.etag;
          entry.lastModified = old.lastModified;
          entry.content = old.content;
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
   * Reads a small file's content into the entry (`content`, or `contentFailed` when it changed size
   * meanwhile or could not be read). The entry keeps it while the cache does.
   */
  loadContent(e: StatEntry): Promise<void> {
    return new Promise((resolve) => {
      fs.readFile(e.path, (err, buf) => {
        if (err !== null || buf.length !== (e.stats as fs.Stats).size) {
          this.entries.delete(e.path);
          e.contentFailed = true;
          resolve();
          return;
        }
        e.content = buf;
        if (this.engine !== 'disable' && this.entries.get(e.path) === e) {
          if (this.contentBytes + buf.length > MAX_CONTENT_BYTES) this.clear();
          else this.contentBytes += buf.length;
        }
        resolve();
      });
    });
  }

  /** lstat for the follow-symlink check (not cached: it only runs with follow-symlink disabled). */
  lstat = (path: string): Promise<fs.Stats | undefined> =>
    new Promise((resolve) => fs.lstat(path, (err, st) => resolve(err === null ? st : undefined)));

  clear(): void {
    this.entries.clear();
    this.contentBytes = 0;
  }
}

function sameFile(a: fs.Stats, b: fs.Stats): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.dev === b.dev && a.mode === b.mode;
}
