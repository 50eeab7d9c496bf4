// A body as a queue of chunks, lighttpd 1.4.69's chunkqueue (src/chunk.c): memory buffers and file
// ranges, bytes in and bytes out, and a "finished" mark once the producer has nothing more. The
// request body and the response body are each one queue: the producer appends, the consumer takes
// from the front, and a consumer that wants more says so through `onData` (the state machine
// re-runs the request); a producer may wait until `length` falls below its low-water mark.
import type { Stats } from 'node:fs';

/** A byte range of a file, read from disk when it is consumed. */
export class FilePart {
  constructor(
    readonly path: string,
    readonly start: number,
    readonly length: number,
    /**
     * server.follow-symlink = "disable": the file checked when the response was built. The writer
     * opens `path` with O_NOFOLLOW and sends nothing unless the descriptor is this same file.
     */
    readonly guard: Stats | null = null,
    /** A descriptor of the file its owner keeps open (a request body's temp file): read through it, not `path`. */
    readonly fd = -1,
  ) {}
}

export type Chunk = Buffer | FilePart;

export class ChunkQueue {
  private chunks: Chunk[] = [];
  private first = 0;
  /** Bytes appended in all (lighttpd cq->bytes_in). */
  bytesIn = 0;
  /** Bytes taken in all (lighttpd cq->bytes_out). */
  bytesOut = 0;
  /** Bytes of the queued chunks that are in memory (not file ranges). */
  memoryBytes = 0;
  /** The producer appended its last chunk. */
  finished = false;

  /** Bytes queued and not yet taken. */
  get length(): number {
    return this.bytesIn - this.bytesOut;
  }

  get isEmpty(): boolean {
    return this.first === this.chunks.length;
  }

  append(chunk: Chunk): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytesIn += chunk.length;
    if (chunk instanceof Buffer) this.memoryBytes += chunk.length;
  }

  /** Marks the end of the body (lighttpd resp_body_finished / reqbody complete). */
  end(): void {
    this.finished = true;
  }

  /** The first chunk, or undefined. */
  peek(): Chunk | undefined {
    return this.chunks[this.first];
  }

  /** Takes the first chunk whole. */
  shift(): Chunk | undefined {
    const c = this.chunks[this.first];
    if (c === undefined) return undefined;
    this.chunks[this.first++] = EMPTY;
    this.bytesOut += c.length;
    if (c instanceof Buffer) this.memoryBytes -= c.length;
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    }
    return c;
  }

  /** Takes every chunk (the queue stays usable, with its counters). */
  takeAll(): Chunk[] {
    const out = this.first === 0 ? this.chunks : this.chunks.slice(this.first);
    this.chunks = [];
    this.first = 0;
    this.bytesOut = this.bytesIn;
    this.memoryBytes = 0;
    return out;
  }

  /** The queued chunks, in order, without taking them. */
  *[Symbol.iterator](): IterableIterator<Chunk> {
    for (let i = this.first; i < this.chunks.length; i++) yield this.chunks[i] as Chunk;
  }

  /** Moves up to `max` bytes of `from` to the end of this queue (lighttpd chunkqueue_steal). */
  steal(from: ChunkQueue, max: number = from.length): number {
    let moved = 0;
    while (moved < max) {
      const c = from.peek();
      if (c === undefined) break;
      const want = max - moved;
      if (c.length <= want) {
        from.shift();
        this.append(c);
        moved += c.length;
        continue;
      }
      const [head, rest] = split(c, want);
      from.replaceFirst(rest, want);
      this.append(head);
      moved += want;
    }
    return moved;
  }

  /** Swaps the queued chunks for others holding the same bytes (moved to temp files): counters stay. */
  replaceQueued(chunks: Chunk[]): void {
    this.chunks = chunks;
    this.first = 0;
    let mem = 0;
    for (const c of chunks) if (c instanceof Buffer) mem += c.length;
    this.memoryBytes = mem;
  }

  /** Empties the queue and its counters (lighttpd chunkqueue_reset). */
  reset(): void {
    this.chunks = [];
    this.first = 0;
    this.bytesIn = 0;
    this.bytesOut = 0;
    this.memoryBytes = 0;
    this.finished = false;
  }

  /** The first chunk lost its first `taken` bytes (now `rest`). */
  replaceFirst(rest: Chunk, taken: number): void {
    const old = this.chunks[this.first] as Chunk;
    this.chunks[this.first] = rest;
    this.bytesOut += taken;
    if (old instanceof Buffer) this.memoryBytes -= taken;
  }
}

const EMPTY = Buffer.alloc(0);

/** [the first `n` bytes, the rest] of a chunk. */
export function split(c: Chunk, n: number): [Chunk, Chunk] {
  if (!(c instanceof FilePart)) return [c.subarray(0, n), c.subarray(n)];
  return [new FilePart(c.path, c.start, n, c.guard, c.fd), new FilePart(c.path, c.start + n, c.length - n, c.guard, c.fd)];
}
