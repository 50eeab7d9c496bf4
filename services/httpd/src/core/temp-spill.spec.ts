// White-box tests of the temp-file spill (lighttpd 1.4.69 src/chunk.c chunkqueue_append_mem_to_tempfile,
// server.upload-dirs, server.upload-temp-file-size), on real files in a directory made for each test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChunkQueue, FilePart, type Chunk } from './chunk-queue';
import { SPILL_THRESHOLD, TempSpill } from './temp-spill';

let dir = '';
const spills: TempSpill[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'httpd-spill-'));
});

afterEach(() => {
  for (const s of spills.splice(0)) s.release();
  fs.rmSync(dir, { recursive: true, force: true });
});

function spillOver(dirs: readonly string[], maxFileSize = 1024 * 1024 * 1024): TempSpill {
  const s = new TempSpill(dirs, maxFileSize);
  spills.push(s);
  return s;
}

/** Distinct bytes, so a range read from the wrong offset does not compare equal. */
function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}

function readChunk(c: Chunk): Buffer {
  if (!(c instanceof FilePart)) return c;
  const fd = fs.openSync(c.path, 'r');
  try {
    const out = Buffer.alloc(c.length);
    expect(fs.readSync(fd, out, 0, c.length, c.start)).toBe(c.length);
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

const contentOf = (q: ChunkQueue): Buffer => Buffer.concat([...q].map(readChunk));

/** The descriptor behind a FilePart path (/proc/self/fd/N). */
const fdOf = (p: FilePart): number => Number(path.basename(p.path));

describe('TempSpill', () => {
  it('leaves a queue at or under the 64 KiB threshold in memory', () => {
    const q = new ChunkQueue();
    q.append(pattern(SPILL_THRESHOLD, 1));
    spillOver([dir]).spill(q);
    expect(q.memoryBytes).toBe(SPILL_THRESHOLD);
    expect([...q].every((c) => c instanceof Buffer)).toBe(true);
  });

  it('moves the memory of a queue over the threshold to an unlinked temp file with the same bytes', () => {
    const parts = [pattern(40000, 1), pattern(30000, 2), pattern(5, 3)];
    const q = new ChunkQueue();
    for (const p of parts) q.append(p);
    const before = { bytesIn: q.bytesIn, bytesOut: q.bytesOut, length: q.length };

    spillOver([dir]).spill(q);

    expect(q.memoryBytes).toBe(0);
    expect({ bytesIn: q.bytesIn, bytesOut: q.bytesOut, length: q.length }).toEqual(before);
    const chunks = [...q];
    expect(chunks.every((c) => c instanceof FilePart)).toBe(true);
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(70005);
    expect(contentOf(q).equals(Buffer.concat(parts))).toBe(true);
    // unlinked at once: nothing is left in the upload dir, even while the descriptor is open
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(fs.readlinkSync((chunks[0] as FilePart).path)).toContain(' (deleted)');
  });

  it('keeps file ranges already queued where they are, in order', () => {
    const outside = path.join(dir, 'static.bin');
    fs.writeFileSync(outside, pattern(1000, 9));
    const q = new ChunkQueue();
    q.append(pattern(50000, 1));
    q.append(new FilePart(outside, 100, 200));
    q.append(pattern(20000, 2));
    spillOver([dir]).spill(q);
    const chunks = [...q] as FilePart[];
    expect(chunks.map((c) => c.path === outside)).toEqual([false, true, false]);
    expect(chunks[1]).toMatchObject({ start: 100, length: 200 });
    expect(contentOf(q).equals(Buffer.concat([pattern(50000, 1), pattern(1000, 9).subarray(100, 300), pattern(20000, 2)]))).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['static.bin']);
  });

  it('goes on in the same temp file on the next spill, and opens a new one past server.upload-temp-file-size', () => {
    const spill = spillOver([dir], 100000);
    const q = new ChunkQueue();
    q.append(pattern(70000, 1));
    spill.spill(q);
    q.append(pattern(70000, 2));
    spill.spill(q);
    const chunks = [...q] as FilePart[];
    // 70000 in file 1, then 30000 more fill it, the last 40000 go to file 2
    expect(chunks.map((c) => [c.start, c.length])).toEqual([
      [0, 70000],
      [70000, 30000],
      [0, 40000],
    ]);
    expect((chunks[0] as FilePart).path).toBe((chunks[1] as FilePart).path);
    expect((chunks[2] as FilePart).path).not.toBe((chunks[0] as FilePart).path);
    expect(contentOf(q).equals(Buffer.concat([pattern(70000, 1), pattern(70000, 2)]))).toBe(true);
    expect(fs.fstatSync(fdOf(chunks[0] as FilePart)).size).toBe(100000);
    expect(fs.fstatSync(fdOf(chunks[2] as FilePart)).size).toBe(40000);
  });

  it('splits one large buffer over several files of at most the maximum size', () => {
    const data = pattern(250000, 4);
    const q = new ChunkQueue();
    q.append(data);
    spillOver([dir], 100000).spill(q);
    const chunks = [...q] as FilePart[];
    expect(chunks.map((c) => c.length)).toEqual([100000, 100000, 50000]);
    expect(new Set(chunks.map((c) => c.path)).size).toBe(3);
    expect(contentOf(q).equals(data)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('release() closes the temp files', async () => {
    const spill = new TempSpill([dir], 100000);
    const q = new ChunkQueue();
    q.append(pattern(150000, 5));
    spill.spill(q);
    const fds = ([...q] as FilePart[]).map(fdOf);
    for (const fd of fds) expect(fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir)).toBe(true);
    spill.release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const fd of fds) {
      let target = '';
      try {
        target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        target = '';
      }
      expect(target.startsWith(dir)).toBe(false);
    }
  });

  it('tries the upload dirs in order and uses the first one that works', () => {
    const q = new ChunkQueue();
    q.append(pattern(SPILL_THRESHOLD + 1, 6));
    spillOver([path.join(dir, 'missing'), dir]).spill(q);
    const c = q.peek() as FilePart;
    expect(c).toBeInstanceOf(FilePart);
    expect(path.dirname(fs.readlinkSync(c.path))).toBe(dir);
  });

  it('throws a clear error naming server.upload-dirs when no dir is writable, leaving the queue as it was', () => {
    const notADir = path.join(dir, 'file');
    fs.writeFileSync(notADir, 'x');
    const q = new ChunkQueue();
    const data = pattern(SPILL_THRESHOLD + 1, 7);
    q.append(data);
    expect(() => spillOver([path.join(dir, 'missing'), notADir]).spill(q)).toThrow(/server\.upload-dirs.*ENOTDIR/);
    expect(() => spillOver([path.join(dir, 'missing')]).spill(q)).toThrow(/server\.upload-dirs.*ENOENT/);
    expect(() => spillOver([]).spill(q)).toThrow(/server\.upload-dirs/);
    expect(q.memoryBytes).toBe(data.length);
    expect((q.peek() as Buffer).equals(data)).toBe(true);
  });
});
