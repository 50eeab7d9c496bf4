// A file's stat and bytes taken from one descriptor (open, fstat, read, close), as lighttpd 1.4.69
// stat_cache_open_rdonly_fstat() decides on the descriptor rather than on the path: what is served
// is what was opened, even while the path is renamed or replaced by a symlink under us.
import fs from 'node:fs';

const { O_NOFOLLOW } = fs.constants;

export interface OpenedFile {
  /** A symlink was in the way: the last component (ELOOP under O_NOFOLLOW) or a directory on the path. */
  readonly symlink: boolean;
  /** fstat of the descriptor; null when the open failed (see errno). */
  readonly stats: fs.Stats | null;
  readonly errno: string;
  /** The whole content when the file is regular, not empty and at most `maxContent` bytes. */
  readonly content: Buffer | null;
}

/** The same file, unchanged: what a cached stat or content may be reused for. */
export function sameFile(a: fs.Stats, b: fs.Stats): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.dev === b.dev && a.mode === b.mode;
}

export interface ReadOpenedOptions {
  /** open(2) flags; with O_NOFOLLOW the descriptor's own name must also be `path`. */
  readonly flags: number;
  readonly maxContent: number;
  /** The file must be this one (sameFile), or no content is read. */
  readonly expect?: fs.Stats;
  /** Content already read from this same file, reused when the fstat still matches. */
  readonly known?: { readonly stats: fs.Stats | null; readonly content: Buffer | null };
}

const failed = (errno: string, symlink = false): OpenedFile => ({ symlink, stats: null, errno, content: null });

/**
 * The kernel's name of an open descriptor (/proc/self/fd) is the path it was reached by, with
 * every symlink resolved: equal to `path` only when no component of `path` was a symlink. A file
 * unlinked since it was opened reads "<path> (deleted)".
 */
function openedAt(fd: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    fs.readlink(`/proc/self/fd/${fd}`, { encoding: 'buffer' }, (err, name) => {
      if (err !== null) return resolve(false);
      const want = Buffer.from(path);
      if (name.equals(want)) return resolve(true);
      const deleted = Buffer.from(' (deleted)');
      resolve(name.length === want.length + deleted.length && name.subarray(0, want.length).equals(want) && name.subarray(want.length).equals(deleted));
    });
  });
}

function readAll(fd: number, size: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const buf = Buffer.allocUnsafe(size);
    const step = (at: number): void => {
      fs.read(fd, buf, at, size - at, at, (err, n) => {
        if (err !== null || n === 0) return resolve(null);
        if (at + n === size) return resolve(buf);
        step(at + n);
      });
    };
    step(0);
  });
}

const close = (fd: number): void => fs.close(fd, () => undefined);

/** Opens `path`, checks it, and returns the descriptor's stat and (small files) content; the descriptor is closed. */
export function readOpened(path: string, options: ReadOpenedOptions): Promise<OpenedFile> {
  return new Promise((resolve) => {
    fs.open(path, options.flags, (openErr, fd) => {
      if (openErr !== null) return resolve(failed(openErr.code ?? 'EIO', openErr.code === 'ELOOP' && (options.flags & O_NOFOLLOW) !== 0));
      void (async (): Promise<OpenedFile> => {
        if ((options.flags & O_NOFOLLOW) !== 0 && !(await openedAt(fd, path))) return failed('ELOOP', true);
        const stats = await new Promise<fs.Stats | null>((r) => fs.fstat(fd, (err, st) => r(err === null ? st : null)));
        if (stats === null) return failed('EIO');
        const expect = options.expect;
        if (expect !== undefined && !sameFile(expect, stats)) return { symlink: false, stats, errno: '', content: null };
        if (!stats.isFile() || stats.size === 0 || stats.size > options.maxContent) return { symlink: false, stats, errno: '', content: null };
        const known = options.known;
        if (known?.stats && known.content !== null && sameFile(known.stats, stats)) return { symlink: false, stats, errno: '', content: known.content };
        return { symlink: false, stats, errno: '', content: await readAll(fd, stats.size) };
      })().then((r) => {
        close(fd);
        resolve(r);
      });
    });
  });
}
