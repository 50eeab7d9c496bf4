// White-box tests of the record encoder and streaming parser (spec sections 3.3-3.4, 5).
import {
  FCGI_CANT_MPX_CONN,
  FCGI_DATA,
  FCGI_KEEP_CONN,
  FCGI_MAX_STREAM_CHUNK,
  FCGI_PARAMS,
  FCGI_RESPONDER,
  FCGI_STDIN,
  FCGI_STDOUT,
} from './constants';
import {
  encodeAbortRequest,
  encodeBeginRequest,
  encodeEndRequest,
  encodeGetValues,
  encodeGetValuesResult,
  encodeParams,
  encodeRecord,
  encodeStream,
  encodeStreamEnd,
  encodeUnknownType,
} from './record-encoder';
import { RecordParser, type FastcgiRecord } from './record-parser';
import { decodeNameValuePairs, encodeNameValuePairs, NameValueDecoder } from './name-value';
import { thrownCode } from '@libs/testing';
import fc from 'fast-check';

function parseAll(bytes: Buffer, splitEvery = 0): FastcgiRecord[] {
  const out: FastcgiRecord[] = [];
  const parser = new RecordParser({ onRecord: (r) => out.push(r) });
  if (splitEvery === 0) parser.execute(bytes);
  else for (let i = 0; i < bytes.length; i += splitEvery) parser.execute(bytes.subarray(i, i + splitEvery));
  parser.finish();
  return out;
}

describe('record encoder', () => {
  it('writes the header, content and padding to an 8-byte boundary', () => {
    const rec = encodeRecord(FCGI_STDOUT, 0x1234, Buffer.from('hello'));
    expect([...rec.subarray(0, 8)]).toEqual([1, FCGI_STDOUT, 0x12, 0x34, 0, 5, 3, 0]);
    expect(rec.length).toBe(16);
    expect(rec.subarray(8, 13).toString()).toBe('hello');
    expect([...rec.subarray(13)]).toEqual([0, 0, 0]);
  });

  it('splits a large body into aligned records without copying it', () => {
    const body = Buffer.alloc(FCGI_MAX_STREAM_CHUNK * 2 + 5, 0x61);
    const parts = encodeStream(FCGI_STDOUT, 1, body);
    // header, content for two full records; header, content, padding for the tail
    expect(parts).toHaveLength(7);
    expect(parts[1]?.buffer).toBe(body.buffer);
    expect(parts[0]?.readUInt16BE(4)).toBe(FCGI_MAX_STREAM_CHUNK);
    expect(parts[4]?.readUInt16BE(4)).toBe(5);
    expect(parts[4]?.[6]).toBe(3);
    const recs = parseAll(Buffer.concat(parts));
    const data = Buffer.concat(recs.map((r) => (r.kind === 'stream' ? r.data : Buffer.alloc(0))));
    expect(data.equals(body)).toBe(true);
  });

  it('refuses a single record bigger than 65535 bytes', () => {
    expect(thrownCode(() => encodeRecord(FCGI_STDOUT, 1, Buffer.alloc(70000)))).toBe('FASTCGI_ERR_RECORD_TOO_LARGE');
  });
});

describe('record parser', () => {
  const request = Buffer.concat([
    encodeBeginRequest(1, FCGI_RESPONDER, FCGI_KEEP_CONN),
    ...encodeParams(1, { SCRIPT_FILENAME: '/x.php', LONG: 'v'.repeat(300) }),
    ...encodeStream(FCGI_STDIN, 1, Buffer.from('body')),
    encodeStreamEnd(FCGI_STDIN, 1),
    encodeAbortRequest(1),
    encodeEndRequest(1, 7, FCGI_CANT_MPX_CONN),
    encodeGetValues(['FCGI_MAX_CONNS']),
    encodeGetValuesResult({ FCGI_MAX_CONNS: '10' }),
    encodeUnknownType(42),
  ]);

  it('decodes every record type, whatever the chunk boundaries', () => {
    const whole = parseAll(request);
    expect(whole.map((r) => r.kind)).toEqual([
      'begin-request',
      'stream',
      'stream-end',
      'stream',
      'stream-end',
      'abort-request',
      'end-request',
      'get-values',
      'get-values-result',
      'unknown-type',
    ]);
    expect(whole[0]).toEqual({ kind: 'begin-request', type: 1, requestId: 1, role: FCGI_RESPONDER, flags: FCGI_KEEP_CONN });
    expect(whole[6]).toEqual({ kind: 'end-request', type: 3, requestId: 1, appStatus: 7, protocolStatus: FCGI_CANT_MPX_CONN });
    expect(whole[7]).toEqual({ kind: 'get-values', type: 9, requestId: 0, names: ['FCGI_MAX_CONNS'] });
    expect(whole[9]).toEqual({ kind: 'unknown-type', type: 11, requestId: 0, unknownType: 42 });
    for (const step of [1, 3, 7, 9, 13]) {
      const recs = parseAll(request, step);
      const merged = recs.filter((r) => r.kind !== 'stream');
      expect(merged).toEqual(whole.filter((r) => r.kind !== 'stream'));
      const params = Buffer.concat(recs.flatMap((r) => (r.kind === 'stream' && r.type === FCGI_PARAMS ? [r.data] : [])));
      expect(decodeNameValuePairs(params)).toEqual([
        ['SCRIPT_FILENAME', '/x.php'],
        ['LONG', 'v'.repeat(300)],
      ]);
    }
  });

  it('reports "partial" inside a record and "idle" on a boundary', () => {
    const parser = new RecordParser({ onRecord: () => undefined });
    expect(parser.execute(request.subarray(0, 3))).toBe('partial');
    expect(parser.execute(request.subarray(3, 16))).toBe('idle');
  });

  it('rejects a bad version with FASTCGI_ERR_VERSION and then refuses input', () => {
    const bad = Buffer.from(encodeAbortRequest(1));
    bad[0] = 2;
    const parser = new RecordParser({ onRecord: () => undefined });
    expect(thrownCode(() => parser.execute(bad))).toBe('FASTCGI_ERR_VERSION');
    expect(thrownCode(() => parser.execute(request))).toBe('FASTCGI_ERR_PARSER_FAILED');
  });

  it('rejects fixed-size records of the wrong length', () => {
    const bad = encodeRecord(1, 1, Buffer.alloc(4));
    expect(thrownCode(() => parseAll(bad))).toBe('FASTCGI_ERR_RECORD_LENGTH');
  });

  it('rejects a big management record when a limit is set', () => {
    const parser = new RecordParser({ onRecord: () => undefined, maxContentLength: 1024 });
    const claim = Buffer.from([1, 9, 0, 0, 0xff, 0xff, 0, 0]);
    expect(thrownCode(() => parser.execute(claim))).toBe('FASTCGI_ERR_RECORD_TOO_LARGE');
  });

  it('reports input that ends inside a record or its padding', () => {
    const rec = encodeRecord(FCGI_DATA, 1, Buffer.from('abc'));
    const parser = new RecordParser({ onRecord: () => undefined });
    parser.execute(rec.subarray(0, rec.length - 2));
    expect(thrownCode(() => parser.finish())).toBe('FASTCGI_ERR_TRUNCATED');
  });

  it('keeps records of unknown types for the caller', () => {
    const recs = parseAll(encodeRecord(99, 3, Buffer.from('x')));
    expect(recs).toEqual([{ kind: 'unrecognized', type: 99, requestId: 3, content: Buffer.from('x') }]);
  });
});

describe('name-value pairs', () => {
  it('uses 1-byte lengths below 128 and 4-byte lengths from 128 on', () => {
    const short = encodeNameValuePairs([['A', 'b']]);
    expect([...short]).toEqual([1, 1, 0x41, 0x62]);
    const long = encodeNameValuePairs([['N'.repeat(128), 'v'.repeat(200)]]);
    expect([...long.subarray(0, 8)]).toEqual([0x80, 0, 0, 128, 0x80, 0, 0, 200]);
    expect(decodeNameValuePairs(long)).toEqual([['N'.repeat(128), 'v'.repeat(200)]]);
  });

  it('decodes pairs split at every byte', () => {
    const body = encodeNameValuePairs([
      ['X'.repeat(130), 'é'],
      ['EMPTY', ''],
      ['B', 'v'.repeat(1000)],
    ]);
    const got: Array<[string, string]> = [];
    const dec = new NameValueDecoder((n, v) => got.push([n, v]));
    for (let i = 0; i < body.length; i++) dec.push(body.subarray(i, i + 1));
    dec.end();
    expect(got).toEqual([
      ['X'.repeat(130), 'é'],
      ['EMPTY', ''],
      ['B', 'v'.repeat(1000)],
    ]);
  });

  it('decodes names exactly when streams repeat, reorder or change names of the same length', () => {
    // The decoder reuses the string met at a position when the bytes match: near-identical names
    // (same length, one byte apart) at the same positions must still come out as sent.
    const name = fc.constantFrom('HTTP_AB', 'HTTP_AC', 'HTTP_BC', 'REQUEST_URI', 'X', 'Y', 'a'.repeat(70), 'a'.repeat(69) + 'b');
    const stream = fc.array(fc.tuple(name, fc.string({ maxLength: 8 })), { maxLength: 12 });
    fc.assert(
      fc.property(fc.array(stream, { minLength: 2, maxLength: 6 }), (streams) => {
        for (const pairs of streams) expect(decodeNameValuePairs(encodeNameValuePairs(pairs))).toEqual(pairs);
      }),
    );
  });

  it('fails on a stream cut inside a pair and on pairs over the limit', () => {
    const body = encodeNameValuePairs([['NAME', 'value']]);
    expect(thrownCode(() => decodeNameValuePairs(body.subarray(0, 5)))).toBe('FASTCGI_ERR_PARAMS');
    const dec = new NameValueDecoder(() => undefined, { maxLength: 64 });
    expect(thrownCode(() => dec.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 1])))).toBe('FASTCGI_ERR_PARAMS_TOO_LARGE');
  });
});
