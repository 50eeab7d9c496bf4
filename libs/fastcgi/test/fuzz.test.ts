// Fuzzing the codec: fast-check round trips through random chunk boundaries, random and mutated
// bytes that may only end in catalogued errors, and a replay of the seed corpus in test/corpus/.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { ServiceLog } from '@libs/log';
import {
  encodeAbortRequest,
  encodeBeginRequest,
  encodeEndRequest,
  encodeGetValues,
  encodeGetValuesResult,
  encodeStream,
  encodeStreamEnd,
  encodeUnknownType,
  FASTCGI_ERROR_CODES,
  FastcgiClient,
  FastcgiServerConnection,
  type FastcgiServerRequest,
  isFastcgiError,
  RecordParser,
  type FastcgiError,
  type FastcgiRecord,
  type StreamRecordType,
} from '../src';

const silentLog: ServiceLog = { error: () => undefined, warn: () => undefined, notice: () => undefined, info: () => undefined, debug: () => undefined };
const catalogued = new Set<string>(FASTCGI_ERROR_CODES);

const requestId = fc.integer({ min: 1, max: 0xffff });
const streamType = fc.constantFrom<StreamRecordType>(4, 5, 6, 7, 8);
const name = fc.string({ maxLength: 300 });

type Model =
  | { kind: 'begin-request'; type: 1; requestId: number; role: number; flags: number }
  | { kind: 'abort-request'; type: 2; requestId: number }
  | { kind: 'end-request'; type: 3; requestId: number; appStatus: number; protocolStatus: number }
  | { kind: 'stream'; type: StreamRecordType; requestId: number; data: Uint8Array }
  | { kind: 'get-values'; type: 9; requestId: 0; names: string[] }
  | { kind: 'get-values-result'; type: 10; requestId: 0; values: Map<string, string> }
  | { kind: 'unknown-type'; type: 11; requestId: 0; unknownType: number };

const model: fc.Arbitrary<Model> = fc.oneof(
  fc.record({ kind: fc.constant('begin-request' as const), type: fc.constant(1 as const), requestId, role: fc.integer({ min: 0, max: 0xffff }), flags: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('abort-request' as const), type: fc.constant(2 as const), requestId }),
  fc.record({
    kind: fc.constant('end-request' as const),
    type: fc.constant(3 as const),
    requestId,
    appStatus: fc.integer({ min: 0, max: 0xffffffff }),
    protocolStatus: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('stream' as const),
    type: streamType,
    requestId,
    data: fc.oneof({ weight: 5, arbitrary: fc.uint8Array({ maxLength: 300 }) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 65000, maxLength: 140000 }) }),
  }),
  fc.record({ kind: fc.constant('get-values' as const), type: fc.constant(9 as const), requestId: fc.constant(0 as const), names: fc.array(name.filter((n) => n.length > 0), { maxLength: 5 }) }),
  fc.record({
    kind: fc.constant('get-values-result' as const),
    type: fc.constant(10 as const),
    requestId: fc.constant(0 as const),
    values: fc.dictionary(name, name, { maxKeys: 5 }).map((d) => new Map(Object.entries(d))),
  }),
  fc.record({ kind: fc.constant('unknown-type' as const), type: fc.constant(11 as const), requestId: fc.constant(0 as const), unknownType: fc.integer({ min: 0, max: 255 }) }),
);

function encodeModel(m: Model): Buffer[] {
  switch (m.kind) {
    case 'begin-request':
      return [encodeBeginRequest(m.requestId, m.role, m.flags)];
    case 'abort-request':
      return [encodeAbortRequest(m.requestId)];
    case 'end-request':
      return [encodeEndRequest(m.requestId, m.appStatus, m.protocolStatus)];
    case 'stream':
      return [...encodeStream(m.type, m.requestId, m.data), encodeStreamEnd(m.type, m.requestId)];
    case 'get-values':
      return [encodeGetValues(m.names)];
    case 'get-values-result':
      return [encodeGetValuesResult(m.values)];
    case 'unknown-type':
      return [encodeUnknownType(m.unknownType)];
  }
}

/** Parse with the input cut at the given offsets; stream pieces are glued back per stream. */
function decodeSplit(bytes: Buffer, cuts: number[]): Model[] {
  const out: Model[] = [];
  let pieces: Buffer[] = [];
  const parser = new RecordParser({
    onRecord: (r: FastcgiRecord) => {
      if (r.kind === 'stream') pieces.push(Buffer.from(r.data));
      else if (r.kind === 'stream-end') {
        out.push({ kind: 'stream', type: r.type, requestId: r.requestId, data: new Uint8Array(Buffer.concat(pieces)) });
        pieces = [];
      } else if (r.kind !== 'unrecognized') out.push(r as Model);
    },
  });
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const p of [...points, bytes.length]) {
    parser.execute(bytes.subarray(from, p));
    from = p;
  }
  parser.finish();
  return out;
}

function normalize(m: Model): unknown {
  return m.kind === 'stream' ? { ...m, data: Buffer.from(m.data).toString('hex') } : m;
}

function expectCatalogued(err: unknown): void {
  if (!isFastcgiError(err)) throw err;
  expect(catalogued.has(err.code)).toBe(true);
}

describe('fast-check properties', () => {
  it('decodes what it encodes, whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(fc.array(model, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (records, cuts) => {
        const bytes = Buffer.concat(records.flatMap(encodeModel));
        expect(decodeSplit(bytes, cuts).map(normalize)).toEqual(records.map(normalize));
      }),
      { numRuns: 150 },
    );
  });

  it('never fails on random bytes except with catalogued errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.array(fc.nat(), { maxLength: 8 }), (raw, cuts) => {
        const bytes = Buffer.from(raw);
        try {
          decodeSplit(bytes, cuts);
        } catch (err) {
          expectCatalogued(err);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the connection helpers from throwing on mutated valid traffic', () => {
    const valid = fc.array(model, { minLength: 1, maxLength: 5 }).map((rs) => Buffer.concat(rs.flatMap(encodeModel)));
    const mutation = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 });
    fc.assert(
      fc.property(valid, mutation, fc.nat(), (bytes, flips, cut) => {
        const mutated = Buffer.from(bytes);
        for (const f of flips) mutated[f.at % mutated.length] = f.value;
        const reasons: Array<FastcgiError | null> = [];
        const server = new FastcgiServerConnection({
          log: silentLog,
          write: () => undefined,
          close: (r) => reasons.push(r),
          onRequest: (req) => req.end(),
          mpxsConns: true,
          maxReqs: 10,
        });
        const client = new FastcgiClient({ log: silentLog, write: () => undefined, close: (r) => reasons.push(r) });
        const at = cut % (mutated.length + 1);
        for (const peer of [server, client]) {
          peer.execute(mutated.subarray(0, at));
          peer.execute(mutated.subarray(at));
          peer.end();
        }
        for (const r of reasons) if (r !== null) expectCatalogued(r);
      }),
      { numRuns: 250 },
    );
  });
});

interface Outcome {
  close: string | null;
  requests: number;
  aborts: number;
  replies: string[];
}

function replay(bytes: Buffer, chunkSizes: number[]): Outcome {
  const outcome: Outcome = { close: 'still open', requests: 0, aborts: 0, replies: [] };
  const replies = new RecordParser({
    onRecord: (r) => {
      if (r.kind === 'end-request') outcome.replies.push(`end-request/${r.requestId}/${r.protocolStatus}`);
      else if (r.kind === 'unknown-type') outcome.replies.push(`unknown-type/${r.unknownType}`);
      else if (r.kind === 'get-values-result') {
        outcome.replies.push(`get-values-result/${[...r.values].map(([k, v]) => `${k}=${v}`).join(',')}`);
      }
    },
  });
  const conn = new FastcgiServerConnection({
    log: silentLog,
    write: (chunks) => chunks.forEach((c) => replies.execute(c)),
    close: (reason) => {
      outcome.close = reason === null ? null : reason.code;
    },
    onRequest: (req) => {
      outcome.requests++;
      started.push(req);
      req.on('abort', () => outcome.aborts++);
    },
  });
  const started: FastcgiServerRequest[] = [];
  let off = 0;
  for (let i = 0; off < bytes.length; i++) {
    const size = chunkSizes.length === 0 ? bytes.length : (chunkSizes[i % chunkSizes.length] ?? 1);
    conn.execute(bytes.subarray(off, off + size));
    off += size;
  }
  conn.end();
  // The handler answers after the peer's end: a request read whole is still answered then.
  for (const req of started) if (!req.aborted && !req.finished) req.end();
  return outcome;
}

describe('corpus replay', () => {
  const dir = path.join(__dirname, 'corpus');
  const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Record<string, Outcome>;
  const seeds = readdirSync(dir).filter((f) => f.endsWith('.bin'));

  it('has an expectation for every seed', () => {
    expect(seeds.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(seeds)('%s gives the same outcome whole, byte by byte, and in odd chunks', (seed) => {
    const bytes = readFileSync(path.join(dir, seed));
    const want = expected[seed];
    expect(replay(bytes, [])).toEqual(want);
    expect(replay(bytes, [1])).toEqual(want);
    expect(replay(bytes, [3, 7, 5, 11, 8])).toEqual(want);
  });

  it.each(seeds)('%s survives random mutations', (seed) => {
    const bytes = readFileSync(path.join(dir, seed));
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }), fc.nat(), (flips, keep) => {
        const mutated = Buffer.from(bytes.subarray(0, bytes.length - (keep % 4)));
        for (const f of flips) if (mutated.length > 0) mutated[f.at % mutated.length] = f.value;
        const outcome = replay(mutated, [1 + (keep % 509)]);
        if (outcome.close !== null) expect(catalogued.has(outcome.close)).toBe(true);
      }),
      { numRuns: 100, seed: 42 },
    );
  });
});
