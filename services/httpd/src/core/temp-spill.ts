// Bodies too large to keep in memory go to temp files, as lighttpd 1.4.69 chunkqueue_append_mem_to_tempfile
// does (src/chunk.c): files named lighttpd-upload-XXXXXX in server.upload-dirs, each up to
// server.upload-temp-file-size bytes, unlinked as soon as they are open so nothing is left behind
// (the queue reads them through /proc/self/fd of the descriptor kept here).
import fs from 'node:fs';
import path from 'node:path';
import { FilePart, type Chunk, type ChunkQueue } from './chunk-queue';

/** Memory a queue may hold before what follows goes to a temp file (lighttpd: 64 KiB). */
export const SPILL_THRESHOLD = 64 * 1024;

let sequence = 0;

export class TempSpill {
  private fd = -1;
  private file = '';
  private size = 0;
  private readonly fds: number[] = [];

  constructor(
    private readonly dirs: readonly string[],
    private readonly maxFileSize: number,
  ) {}

  /**
   * Moves the queue's in-memory tail into temp files once the queue holds more than the threshold
   * in memory; file parts already queued stay where they are. Throws when no upload dir is writable.
   */
  spill(q: ChunkQueue): void {
    if (q.memoryBytes <= SPILL_THRESHOLD) return;
    const kept: Chunk[] = [];
    for (const c of q) {
      if (c instanceof FilePart) {
        kept.push(c);
        continue;
      }
      let at = 0;
      while (at < c.length) {
        if (this.fd === -1 || this.size >= this.maxFileSize) this.open();
        const n = Math.min(c.length - at, this.maxFileSize - this.size);
        fs.writeSync(this.fd, c, at, n, this.size);
        kept.push(new FilePart(this.file, this.size, n, null, this.fd));
        this.size += n;
        at += n;
      }
    }
    q.replaceQueued(kept);
  }

  /** Closes every temp file (they were unlinked when opened). */
  release(): void {
    for (const fd of this.fds.splice(0)) fs.close(fd, () => undefined);
    this.fd = -1;
  }

  private open(): void {
    let lastError: unknown = null;
    for (const dir of this.dirs) {
      const name = path.join(dir, `lighttpd-upload-${process.pid}-${++sequence}`);
      try {
        const fd = fs.openSync(name, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
        fs.unlinkSync(name);
        this.fds.push(fd);
        this.fd = fd;
        this.file = `/proc/self/fd/${fd}`;
        this.size = 0;
        return;
      } catch (e) {
        lastError = e;
      }
    }
    throw new Error(`opening a temp file in server.upload-dirs failed: ${(lastError as Error | null)?.message ?? 'no upload dir'}`);
  }
}
