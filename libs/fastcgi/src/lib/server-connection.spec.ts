// White-box tests of the application-side connection: request tracking, management records,
// CANT_MPX_CONN / UNKNOWN_ROLE / OVERLOADED, aborts, KEEP_CONN and malformed input.
import type { ServiceLog } from '@libs/log';
import {
  FCGI_AUTHORIZER,
  FCGI_CANT_MPX_CONN,
  FCGI_KEEP_CONN,
  FCGI_OVERLOADED,
  FCGI_REQUEST_COMPLETE,
  FCGI_RESPONDER,
  FCGI_STDIN,
  FCGI_UNKNOWN_ROLE,
} from './constants';
import type { FastcgiError } from './errors';
import {
  encodeAbortRequest,
  encodeBeginRequest,
  encodeGetValues,
  encodeParams,
  encodeRecord,
  encodeStream,
  encodeStreamEnd,
} from './record-encoder';
import { RecordParser, type FastcgiRecord } from './record-parser';
import { FastcgiServerConnection, type FastcgiServerConnectionOptions, type FastcgiServerRequest } from './server-connection';

function recorderLog(): ServiceLog & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (msg: string) => lines.push(`${level}: ${msg}`);
  return { lines, error: at('error'), warn: at('warn'), notice: at('notice'), info: at('info'), debug: at('debug') };
}

function harness(options: Partial<FastcgiServerConnectionOptions> = {}) {
  const records: FastcgiRecord[] = [];
  const parser = new RecordParser({ onRecord: (r) => records.push(r) });
  const requests: FastcgiServerRequest[] = [];
  const closes: Array<FastcgiError | null> = [];
  const log = recorderLog();
  const conn = new FastcgiServerConnection({
    log,
    write: (chunks) => chunks.forEach((c) => parser.execute(c)),
    close: (reason) => closes.push(reason),
    onRequest: (req) => requests.push(req),
    ...options,
  });
  const send = (...bufs: Array<Buffer | Buffer[]>) => conn.execute(Buffer.concat(bufs.flat()));
  return { conn, records, requests, closes, log, send };
}

const begin = (id: number, flags = FCGI_KEEP_CONN, role = FCGI_RESPONDER) => encodeBeginRequest(id, role, flags);

describe('FastcgiServerConnection', () => {
  it('hands over a request once PARAMS ends, streams stdin and writes the response', async () => {
    const h = harness();
    h.send(begin(1), encodeParams(1, { REQUEST_METHOD: 'POST', SCRIPT_NAME: '/x' }));
    expect(h.requests).toHaveLength(1);
    const req = h.requests[0] as FastcgiServerRequest;
    expect(req.params.get('REQUEST_METHOD')).toBe('POST');
    expect(req.keepConn).toBe(true);
    h.send(encodeStream(FCGI_STDIN, 1, Buffer.from('a=1')), encodeStreamEnd(FCGI_STDIN, 1));
    const body: Buffer[] = [];
    for await (const c of req.stdin) body.push(c as Buffer);
    expect(Buffer.concat(body).toString()).toBe('a=1');
    req.write('Content-Type: text/plain\r\n\r\nok');
    req.writeStderr('warned');
    req.end(3);
    expect(h.records.map((r) => r.kind)).toEqual(['stream', 'stream', 'stream-end', 'stream-end', 'end-request']);
    expect(h.records[4]).toMatchObject({ appStatus: 3, protocolStatus: FCGI_REQUEST_COMPLETE, requestId: 1 });
    expect(h.closes).toEqual([]);
  });

  it('asks to close after a request without FCGI_KEEP_CONN', () => {
    const h = harness();
    h.send(begin(1, 0), encodeParams(1, {}));
    (h.requests[0] as FastcgiServerRequest).end();
    expect(h.closes).toEqual([null]);
  });

  it('answers a second concurrent request with CANT_MPX_CONN and ignores its records', () => {
    const h = harness();
    h.send(begin(1), encodeParams(1, {}), begin(2), encodeParams(2, { A: 'b' }));
    expect(h.requests.map((r) => r.id)).toEqual([1]);
    expect(h.records).toEqual([
      { kind: 'end-request', type: 3, requestId: 2, appStatus: 0, protocolStatus: FCGI_CANT_MPX_CONN },
    ]);
    expect(h.closes).toEqual([]);
  });

  it('multiplexes when allowed, up to maxReqs, then answers OVERLOADED', () => {
    const h = harness({ mpxsConns: true, maxReqs: 2 });
    h.send(begin(1), encodeParams(1, {}), begin(2), encodeParams(2, {}), begin(3));
    expect(h.requests.map((r) => r.id)).toEqual([1, 2]);
    expect(h.records[0]).toMatchObject({ kind: 'end-request', requestId: 3, protocolStatus: FCGI_OVERLOADED });
  });

  it('answers roles it does not play with UNKNOWN_ROLE', () => {
    const h = harness();
    h.send(begin(1, FCGI_KEEP_CONN, FCGI_AUTHORIZER));
    expect(h.records[0]).toMatchObject({ kind: 'end-request', requestId: 1, protocolStatus: FCGI_UNKNOWN_ROLE });
  });

  it('answers GET_VALUES with the asked names only, and unknown management types with UNKNOWN_TYPE', () => {
    const h = harness({ maxConns: 8, maxReqs: 4 });
    h.send(encodeGetValues(['FCGI_MPXS_CONNS', 'FCGI_MAX_REQS', 'NOT_A_VAR']));
    h.send(encodeRecord(77, 0, Buffer.from('xyz')));
    expect(h.records[0]).toMatchObject({
      kind: 'get-values-result',
      values: new Map([
        ['FCGI_MPXS_CONNS', '0'],
        ['FCGI_MAX_REQS', '4'],
      ]),
    });
    expect(h.records[1]).toMatchObject({ kind: 'unknown-type', unknownType: 77 });
  });

  it('signals ABORT_REQUEST to a started request and answers it for one not yet started', () => {
    const h = harness({ mpxsConns: true, maxReqs: 5 });
    const aborted: number[] = [];
    h.send(begin(1), encodeParams(1, {}), begin(2));
    (h.requests[0] as FastcgiServerRequest).on('abort', () => aborted.push(1));
    h.send(encodeAbortRequest(1), encodeAbortRequest(2));
    expect(aborted).toEqual([1]);
    expect((h.requests[0] as FastcgiServerRequest).aborted).toBe(true);
    expect(h.records).toEqual([
      { kind: 'end-request', type: 3, requestId: 2, appStatus: 0, protocolStatus: FCGI_REQUEST_COMPLETE },
    ]);
  });

  it('closes the connection on malformed input with the reason at debug level, without throwing', () => {
    const h = harness();
    h.send(begin(1), encodeParams(1, {}));
    const aborted: boolean[] = [];
    (h.requests[0] as FastcgiServerRequest).on('abort', () => aborted.push(true));
    const bad = Buffer.from(encodeAbortRequest(1));
    bad[0] = 9;
    expect(() => h.conn.execute(bad)).not.toThrow();
    expect(h.closes.map((c) => c?.code)).toEqual(['FASTCGI_ERR_VERSION']);
    expect(aborted).toEqual([true]);
    expect(h.log.lines.some((l) => l.startsWith('debug:') && l.includes('FASTCGI_ERR_VERSION'))).toBe(true);
    h.conn.execute(begin(2));
    expect(h.closes).toHaveLength(1);
  });

  it('rejects PARAMS that are cut inside a pair', () => {
    const h = harness();
    h.send(begin(1), encodeRecord(4, 1, Buffer.from([5, 5, 0x41])), encodeStreamEnd(4, 1));
    expect(h.closes.map((c) => c?.code)).toEqual(['FASTCGI_ERR_PARAMS']);
  });

  it('rejects records only an application sends', () => {
    const h = harness();
    h.send(begin(1), encodeStreamEnd(6, 1));
    expect(h.closes.map((c) => c?.code)).toEqual(['FASTCGI_ERR_PROTOCOL']);
  });

  it('reports a peer that hangs up inside a record', () => {
    const h = harness();
    h.conn.execute(begin(1).subarray(0, 5));
    h.conn.end();
    expect(h.closes.map((c) => c?.code)).toEqual(['FASTCGI_ERR_TRUNCATED']);
  });

  it('turns an exception from the request callback into a closed connection', () => {
    const h = harness({
      onRequest: () => {
        throw new Error('boom');
      },
    });
    expect(() => h.send(begin(1), encodeParams(1, {}))).not.toThrow();
    expect(h.closes.map((c) => c?.code)).toEqual(['FASTCGI_ERR_HANDLER']);
    expect(h.log.lines.some((l) => l.startsWith('error:') && l.includes('boom'))).toBe(true);
  });
});
