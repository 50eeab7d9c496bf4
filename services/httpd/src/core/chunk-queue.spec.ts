// White-box tests of the chunk queue (lighttpd 1.4.69 src/chunk.c chunkqueue): order, counters
// (bytes_in, bytes_out, memory), chunkqueue_steal with a split chunk, reset and the spill swap.
import type { Stats } from 'node:fs';
import { ChunkQueue, FilePart, split, type Chunk } from './chunk-queue';

const buf = (s: string): Buffer => Buffer.from(s, 'latin1');
const text = (c: Chunk | undefined): string => (c instanceof FilePart ? `file(${c.start},${c.length})` : String(c?.toString('latin1')));

function queue(...chunks: Chunk[]): ChunkQueue {
  const q = new ChunkQueue();
  for (const c of chunks) q.append(c);
  return q;
}

function counters(q: ChunkQueue): { bytesIn: number; bytesOut: number; length: number; memoryBytes: number } {
  return { bytesIn: q.bytesIn, bytesOut: q.bytesOut, length: q.length, memoryBytes: q.memoryBytes };
}

describe('ChunkQueue', () => {
  it('keeps chunks in order and counts what went in, what went out and what is in memory', () => {
    const q = queue(buf('abc'), new FilePart('/f', 10, 100), buf('de'));
    expect(counters(q)).toEqual({ bytesIn: 105, bytesOut: 0, length: 105, memoryBytes: 5 });
    expect([...q].map(text)).toEqual(['abc', 'file(10,100)', 'de']);

    expect(text(q.peek())).toBe('abc');
    expect(text(q.shift())).toBe('abc');
    expect(counters(q)).toEqual({ bytesIn: 105, bytesOut: 3, length: 102, memoryBytes: 2 });

    expect(text(q.shift())).toBe('file(10,100)');
    expect(counters(q)).toEqual({ bytesIn: 105, bytesOut: 103, length: 2, memoryBytes: 2 });
    expect(q.isEmpty).toBe(false);

    expect(text(q.shift())).toBe('de');
    expect(q.isEmpty).toBe(true);
    expect(q.peek()).toBeUndefined();
    expect(q.shift()).toBeUndefined();
    expect(counters(q)).toEqual({ bytesIn: 105, bytesOut: 105, length: 0, memoryBytes: 0 });
  });

  it('ignores empty chunks (they would count nothing and hold a slot)', () => {
    const q = queue(Buffer.alloc(0), new FilePart('/f', 0, 0));
    expect(q.isEmpty).toBe(true);
    expect(q.bytesIn).toBe(0);
    q.append(buf('x'));
    expect([...q].map(text)).toEqual(['x']);
  });

  it('appends again after being drained, counters carrying on', () => {
    const q = queue(buf('ab'));
    q.shift();
    q.append(buf('cd'));
    expect([...q].map(text)).toEqual(['cd']);
    expect(counters(q)).toEqual({ bytesIn: 4, bytesOut: 2, length: 2, memoryBytes: 2 });
  });

  it('takeAll returns the chunks not taken yet and leaves the queue empty but usable', () => {
    const q = queue(buf('a'), buf('bb'), new FilePart('/f', 0, 7));
    q.shift();
    const all = q.takeAll();
    expect(all.map(text)).toEqual(['bb', 'file(0,7)']);
    expect(q.isEmpty).toBe(true);
    expect(counters(q)).toEqual({ bytesIn: 10, bytesOut: 10, length: 0, memoryBytes: 0 });
    q.append(buf('c'));
    expect(q.length).toBe(1);
    expect(q.takeAll().map(text)).toEqual(['c']);
  });

  it('end() marks the body finished without touching its bytes; reset() empties everything', () => {
    const q = queue(buf('abc'));
    q.shift();
    q.append(buf('de'));
    q.end();
    expect(q.finished).toBe(true);
    expect(q.length).toBe(2);
    q.reset();
    expect(q.finished).toBe(false);
    expect(q.isEmpty).toBe(true);
    expect(counters(q)).toEqual({ bytesIn: 0, bytesOut: 0, length: 0, memoryBytes: 0 });
  });

  describe('steal (chunkqueue_steal)', () => {
    it('moves whole chunks and counts them out of one queue and into the other', () => {
      const from = queue(buf('ab'), new FilePart('/f', 0, 3));
      const to = queue(buf('z'));
      expect(to.steal(from)).toBe(5);
      expect([...to].map(text)).toEqual(['z', 'ab', 'file(0,3)']);
      expect(counters(to)).toEqual({ bytesIn: 6, bytesOut: 0, length: 6, memoryBytes: 3 });
      expect(counters(from)).toEqual({ bytesIn: 5, bytesOut: 5, length: 0, memoryBytes: 0 });
      expect(from.isEmpty).toBe(true);
    });

    it('splits a Buffer: the head moves, the rest stays first in the source', () => {
      const from = queue(buf('hello'), buf('world'));
      const to = new ChunkQueue();
      expect(to.steal(from, 3)).toBe(3);
      expect([...to].map(text)).toEqual(['hel']);
      expect([...from].map(text)).toEqual(['lo', 'world']);
      expect(counters(from)).toEqual({ bytesIn: 10, bytesOut: 3, length: 7, memoryBytes: 7 });
      expect(counters(to)).toEqual({ bytesIn: 3, bytesOut: 0, length: 3, memoryBytes: 3 });

      expect(to.steal(from, 4)).toBe(4);
      expect([...to].map(text)).toEqual(['hel', 'lo', 'wo']);
      expect([...from].map(text)).toEqual(['rld']);
      expect(counters(from)).toEqual({ bytesIn: 10, bytesOut: 7, length: 3, memoryBytes: 3 });
    });

    it('splits a FilePart into two ranges of the same file, keeping its guard', () => {
      const guard = { ino: 7 } as Stats;
      const from = queue(new FilePart('/data/f', 100, 50, guard), buf('tail'));
      const to = new ChunkQueue();
      expect(to.steal(from, 20)).toBe(20);
      const head = to.peek() as FilePart;
      const rest = from.peek() as FilePart;
      expect(head).toBeInstanceOf(FilePart);
      expect({ path: head.path, start: head.start, length: head.length, guard: head.guard }).toEqual({ path: '/data/f', start: 100, length: 20, guard });
      expect({ path: rest.path, start: rest.start, length: rest.length, guard: rest.guard }).toEqual({ path: '/data/f', start: 120, length: 30, guard });
      // a file range holds no memory: only the Buffer behind it counts
      expect(counters(from)).toEqual({ bytesIn: 54, bytesOut: 20, length: 34, memoryBytes: 4 });
      expect(counters(to)).toEqual({ bytesIn: 20, bytesOut: 0, length: 20, memoryBytes: 0 });
    });

    it('moves no more than the source holds, and nothing from an empty queue', () => {
      const from = queue(buf('abc'));
      const to = new ChunkQueue();
      expect(to.steal(from, 100)).toBe(3);
      expect(to.steal(from, 100)).toBe(0);
      expect(to.steal(from, 0)).toBe(0);
      expect(to.length).toBe(3);
    });
  });

  it('replaceQueued swaps the queued chunks for others with the same bytes: length stays, memory follows the new chunks', () => {
    const q = queue(buf('xx'), buf('abcdef'), buf('gh'));
    q.shift();
    q.replaceQueued([new FilePart('/tmp/spill', 0, 6), buf('gh')]);
    expect([...q].map(text)).toEqual(['file(0,6)', 'gh']);
    expect(counters(q)).toEqual({ bytesIn: 10, bytesOut: 2, length: 8, memoryBytes: 2 });
    expect(text(q.shift())).toBe('file(0,6)');
    expect(text(q.shift())).toBe('gh');
    expect(q.isEmpty).toBe(true);
    expect(counters(q)).toEqual({ bytesIn: 10, bytesOut: 10, length: 0, memoryBytes: 0 });
  });
});

describe('split', () => {
  it('cuts a Buffer into its first n bytes and the rest (views, not copies)', () => {
    const b = buf('abcdef');
    const [head, rest] = split(b, 2) as [Buffer, Buffer];
    expect([head.toString(), rest.toString()]).toEqual(['ab', 'cdef']);
    b[0] = 0x41;
    expect(head.toString()).toBe('Ab');
  });

  it('cuts a FilePart into adjacent ranges that add up to it', () => {
    const [head, rest] = split(new FilePart('/f', 1000, 10), 4) as [FilePart, FilePart];
    expect([head.start, head.length, rest.start, rest.length]).toEqual([1000, 4, 1004, 6]);
    expect(rest.path).toBe('/f');
  });
});
