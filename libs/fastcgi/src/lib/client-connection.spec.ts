// The web-server side helper against the application side helper, joined in memory.
import type { ServiceLog } from '@libs/log';
import { FCGI_CANT_MPX_CONN, FCGI_KEEP_CONN, FCGI_REQUEST_COMPLETE } from './constants';
import type { FastcgiError } from './errors';
import { FastcgiClient, encodeRequest } from './client-connection';
import { encodeStream, encodeBeginRequest } from './record-encoder';
import { RecordParser, type FastcgiRecord } from './record-parser';
import { FastcgiServerConnection, type FastcgiServerRequest } from './server-connection';

const log: ServiceLog = { error: () => undefined, warn: () => undefined, notice: () => undefined, info: () => undefined, debug: () => undefined };

function pair() {
  const requests: FastcgiServerRequest[] = [];
  const closes: Array<['server' | 'client', FastcgiError | null]> = [];
  const values: Array<Map<string, string>> = [];
  const link: { server?: FastcgiServerConnection } = {};
  const client = new FastcgiClient({
    log,
    write: (chunks) => chunks.forEach((c) => link.server?.execute(Buffer.from(c))),
    close: (r) => closes.push(['client', r]),
    onValues: (v) => values.push(v),
  });
  const server = new FastcgiServerConnection({
    log,
    write: (chunks) => chunks.forEach((c) => client.execute(Buffer.from(c))),
    close: (r) => closes.push(['server', r]),
    onRequest: (r) => requests.push(r),
    maxConns: 3,
  });
  link.server = server;
  return { client, server, requests, closes, values };
}

describe('FastcgiClient', () => {
  it('encodes BEGIN_REQUEST with FCGI_KEEP_CONN, PARAMS and an ended STDIN', () => {
    const recs: FastcgiRecord[] = [];
    const parser = new RecordParser({ onRecord: (r) => recs.push(r) });
    encodeRequest(5, { params: { A: 'b' }, stdin: 'xy' }).forEach((c) => parser.execute(c));
    expect(recs.map((r) => `${r.kind}:${r.type}`)).toEqual(['begin-request:1', 'stream:4', 'stream-end:4', 'stream:5', 'stream-end:5']);
    expect(recs[0]).toMatchObject({ flags: FCGI_KEEP_CONN });
  });

  it('streams stdin and gets stdout, stderr and the app status back', () => {
    const p = pair();
    const out: string[] = [];
    const err: string[] = [];
    const ends: Array<[number, number]> = [];
    const req = p.client.request({
      params: { REQUEST_METHOD: 'POST' },
      onStdout: (c) => out.push(c.toString()),
      onStderr: (c) => err.push(c.toString()),
      onEnd: (a, s) => ends.push([a, s]),
      onError: () => undefined,
    });
    const body: Buffer[] = [];
    const sreq = p.requests[0] as FastcgiServerRequest;
    sreq.stdin.on('data', (c: Buffer) => body.push(c));
    req.writeStdin('part1,');
    req.writeStdin('part2');
    req.endStdin();
    sreq.write('Status: 200 OK\r\n\r\n');
    sreq.writeStderr('note');
    sreq.end(9);
    expect(sreq.params.get('REQUEST_METHOD')).toBe('POST');
    expect(out.join('')).toBe('Status: 200 OK\r\n\r\n');
    expect(err).toEqual(['note']);
    expect(ends).toEqual([[9, FCGI_REQUEST_COMPLETE]]);
    expect(req.finished).toBe(true);
    expect(p.client.activeRequests).toBe(0);
    return new Promise<void>((resolve) => setImmediate(() => {
      expect(Buffer.concat(body).toString()).toBe('part1,part2');
      resolve();
    }));
  });

  it('reports CANT_MPX_CONN for a second request on a non-multiplexing application', () => {
    const p = pair();
    const ends: number[] = [];
    const opts = { params: {}, onStdout: () => undefined, onEnd: (_a: number, s: number) => ends.push(s), onError: () => undefined };
    p.client.request(opts);
    const second = p.client.request(opts);
    expect(second.id).toBe(2);
    expect(ends).toEqual([FCGI_CANT_MPX_CONN]);
  });

  it('receives GET_VALUES_RESULT', () => {
    const p = pair();
    p.client.getValues(['FCGI_MAX_CONNS']);
    expect(p.values).toEqual([new Map([['FCGI_MAX_CONNS', '3']])]);
  });

  it('fails outstanding requests when the application hangs up or breaks the protocol', () => {
    const errors: string[] = [];
    const closes: Array<string | null> = [];
    const client = new FastcgiClient({ log, write: () => undefined, close: (r) => closes.push(r?.code ?? null) });
    const opts = { params: {}, onStdout: () => undefined, onEnd: () => undefined, onError: (e: FastcgiError) => errors.push(e.code) };
    client.request(opts);
    client.end();
    expect(errors).toEqual(['FASTCGI_ERR_CLOSED']);
    const other = new FastcgiClient({ log, write: () => undefined, close: (r) => closes.push(r?.code ?? null) });
    other.request(opts);
    expect(() => other.execute(Buffer.concat([encodeBeginRequest(1, 1, 0), ...encodeStream(6, 1, Buffer.from('x'))]))).not.toThrow();
    expect(errors).toEqual(['FASTCGI_ERR_CLOSED', 'FASTCGI_ERR_PROTOCOL']);
    expect(closes).toEqual(['FASTCGI_ERR_CLOSED', 'FASTCGI_ERR_PROTOCOL']);
  });
});
