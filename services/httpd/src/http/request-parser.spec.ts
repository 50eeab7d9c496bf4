// White-box tests of the request parser: the request head it builds and the answers it gives.
import { ParseStatus, RequestParser, type RequestHead } from './request-parser';

function head(raw: string, options = {}): RequestHead {
  const p = new RequestParser(options);
  expect(p.execute(Buffer.from(raw, 'latin1'))).toBe(ParseStatus.HeadComplete);
  return p.request as RequestHead;
}

function failure(raw: string, options = {}): { status: number; code: string } {
  const p = new RequestParser(options);
  let s = p.execute(Buffer.from(raw, 'latin1'));
  while (s !== ParseStatus.Error && s !== ParseStatus.NeedMore) s = p.execute();
  expect(s).toBe(ParseStatus.Error);
  return { status: p.error?.status ?? 0, code: p.error?.code ?? '' };
}

describe('RequestParser', () => {
  it('builds the head: method, uri, lower-cased names, trimmed values, host', () => {
    const r = head('GET /a%20b?x=1 HTTP/1.1\r\nHost: WWW.Example.COM.:8080\r\nX-Thing:  v 1 \t\r\n\r\n');
    expect(r).toMatchObject({ method: 'GET', uri: '/a%20b?x=1', httpVersion: 11, host: 'www.example.com:8080' });
    expect(r.headers).toEqual(['host', 'WWW.Example.COM.:8080', 'x-thing', 'v 1']);
  });

  it('keeps an unfinished head and the next request across reads into one reused buffer (ownInput)', () => {
    const p = new RequestParser({});
    const readBuffer = Buffer.alloc(64);
    const read = (text: string): Buffer => readBuffer.subarray(0, readBuffer.write(text, 'latin1'));
    // a GET, then the first half of the next head: the parser must not keep a view of readBuffer
    expect(p.execute(read('GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /tw'))).toBe(ParseStatus.HeadComplete);
    expect((p.request as RequestHead).uri).toBe('/one');
    expect(p.execute()).toBe(ParseStatus.MessageComplete);
    expect(p.execute()).toBe(ParseStatus.NeedMore);
    p.ownInput();
    readBuffer.fill('X');
    expect(p.execute(read('o HTTP/1.1\r\nHo'))).toBe(ParseStatus.NeedMore);
    p.ownInput();
    readBuffer.fill('Y');
    expect(p.execute(read('st: b\r\n\r\n'))).toBe(ParseStatus.HeadComplete);
    expect(p.request).toMatchObject({ uri: '/two', host: 'b' });
    expect(p.bufferedBytes).toBe(0);
  });

  it('decides keep-alive like lighttpd: 1.1 default on, 1.0 default off, Connection overrides', () => {
    expect(head('GET / HTTP/1.1\r\nHost: a\r\n\r\n').keepAlive).toBe(true);
    expect(head('GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n').keepAlive).toBe(false);
    expect(head('GET / HTTP/1.0\r\n\r\n').keepAlive).toBe(false);
    expect(head('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').keepAlive).toBe(true);
    expect(head('GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n').keepAlive).toBe(false);
  });

  it('takes the host from an absolute-form target and keeps the path as uri', () => {
    const r = head('GET HTTPS://Example.com/p?q HTTP/1.1\r\n\r\n');
    expect(r).toMatchObject({ absoluteForm: true, scheme: 'https', host: 'example.com', uri: '/p?q' });
  });

  it('flags Expect: 100-continue on HTTP/1.1 only and answers 417 to other expectations', () => {
    expect(head('POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n').expectContinue).toBe(true);
    expect(head('POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n').expectContinue).toBe(false);
    expect(failure('GET / HTTP/1.1\r\nHost: a\r\nExpect: x\r\n\r\n')).toEqual({ status: 417, code: 'HTTPD_ERR_EXPECTATION_FAILED' });
    expect(head('GET / HTTP/1.1\r\nHost: a\r\nExpect: x\r\n\r\n', { rejectUnknownExpect: false }).expectContinue).toBe(false);
  });

  it('refuses a second differing Content-Type, If-Modified-Since or HTTP2-Settings and drops an equal one (lighttpd)', () => {
    for (const name of ['Content-Type', 'If-Modified-Since', 'HTTP2-Settings']) {
      expect(failure(`GET / HTTP/1.1\r\nHost: a\r\n${name}: x\r\n${name}: y\r\n\r\n`).status).toBe(400);
      const r = head(`GET / HTTP/1.1\r\nHost: a\r\n${name}: x\r\n${name}: X\r\n\r\n`);
      expect(r.headers).toEqual(['host', 'a', name.toLowerCase(), 'x']);
    }
    const inm = head('GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: "1"\r\nIf-None-Match: "2"\r\n\r\n');
    expect(inm.headers).toEqual(['host', 'a', 'if-none-match', '"1"']);
    expect(head('GET / HTTP/1.1\r\nHost: a\r\nHost: A\r\n\r\n').headers).toEqual(['host', 'a']);
  });

  it('leaves Transfer-Encoding out of the headers and reports chunked framing', () => {
    const r = head('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n');
    expect(r).toMatchObject({ chunked: true, contentLength: -1, headers: ['host', 'a'] });
  });

  it('hands out body bytes as views and keeps pipelined bytes for the next message', () => {
    const p = new RequestParser();
    const input = Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /next HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(p.execute(input)).toBe(ParseStatus.HeadComplete);
    expect(p.execute()).toBe(ParseStatus.BodyChunk);
    expect(p.bodyChunk.toString()).toBe('hello');
    expect(p.bodyChunk.buffer).toBe(input.buffer);
    expect(p.execute()).toBe(ParseStatus.MessageComplete);
    expect(p.bufferedBytes).toBe('GET /next HTTP/1.1\r\nHost: a\r\n\r\n'.length);
    expect(p.execute()).toBe(ParseStatus.HeadComplete);
    expect(p.request?.uri).toBe('/next');
    expect(p.execute()).toBe(ParseStatus.MessageComplete);
    expect(p.execute()).toBe(ParseStatus.NeedMore);
    expect(p.requestCount).toBe(2);
  });

  it('decodes chunked bodies with extensions and trailers', () => {
    const p = new RequestParser();
    let s = p.execute(Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4;a=b\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Sum: 9\r\n\r\n'));
    let body = '';
    for (; s !== ParseStatus.MessageComplete; s = p.execute()) if (s === ParseStatus.BodyChunk) body += p.bodyChunk.toString();
    expect(body).toBe('Wikipedia');
    expect(p.trailers).toEqual(['x-sum', '9']);
  });

  it('answers with the catalogued status for malformed input', () => {
    expect(failure('GET / HTTP/1.1\r\n\r\n')).toEqual({ status: 400, code: 'HTTPD_ERR_BAD_REQUEST' });
    expect(failure('GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n').status).toBe(400);
    expect(failure('BREW / HTTP/1.1\r\nHost: a\r\n\r\n')).toEqual({ status: 501, code: 'HTTPD_ERR_NOT_IMPLEMENTED' });
    expect(failure('GET / HTTP/3.0\r\n\r\n')).toEqual({ status: 505, code: 'HTTPD_ERR_VERSION_NOT_SUPPORTED' });
    expect(failure('POST / HTTP/1.1\r\nHost: a\r\n\r\n')).toEqual({ status: 411, code: 'HTTPD_ERR_LENGTH_REQUIRED' });
    expect(failure('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n', { maxRequestSize: 10 })).toEqual({
      status: 413,
      code: 'HTTPD_ERR_PAYLOAD_TOO_LARGE',
    });
    expect(failure(`GET /${'a'.repeat(100)} HTTP/1.1\r\n`, { maxRequestHeaderSize: 64 })).toEqual({
      status: 431,
      code: 'HTTPD_ERR_HEADER_FIELDS_TOO_LARGE',
    });
  });

  it('accepts a head of exactly the size limit and refuses one byte more (431)', () => {
    const raw = 'GET / HTTP/1.1\r\nHost: a\r\nX: ';
    const fill = (n: number) => raw + 'a'.repeat(n - raw.length - 4) + '\r\n\r\n';
    expect(head(fill(100), { maxRequestHeaderSize: 100 }).method).toBe('GET');
    expect(failure(fill(101), { maxRequestHeaderSize: 100 }).status).toBe(431);
  });

  it('answers with HTTP/1.0 until the request line parsed, as lighttpd does', () => {
    const p = new RequestParser();
    p.execute(Buffer.from('GET / HTTP/2.0\r\n\r\n'));
    expect(p.responseVersion).toBe(10);
    const q = new RequestParser();
    q.execute(Buffer.from('GET / HTTP/1.1\r\nHost: a_b\r\n\r\n'));
    expect(q.responseVersion).toBe(11);
    expect(q.request).toBeUndefined();
  });

  it('treats Upgrade as lighttpd does: 400 without HTTP/1.1, dropped without Connection, h2c never', () => {
    expect(failure('GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n').status).toBe(400);
    expect(failure('GET / HTTP/1.0\r\nHTTP2-Settings: AAA\r\n\r\n').status).toBe(400);
    expect(head('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n').headers).toEqual([
      'host', 'a', 'upgrade', 'websocket', 'connection', 'Upgrade',
    ]);
    expect(head('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n').headers).toEqual(['host', 'a']);
    expect(head('GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAA\r\n\r\n').headers).toEqual([
      'host', 'a', 'connection', 'keep-alive',
    ]);
  });

  it('takes CONNECT with an authority that starts with a digit or a colon, as lighttpd does', () => {
    expect(head('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n')).toMatchObject({ method: 'CONNECT', uri: '127.0.0.1:22' });
    expect(head('CONNECT :22 HTTP/1.0\r\n\r\n').uri).toBe(':22');
    expect(failure('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n').status).toBe(400);
    expect(failure('GET 127.0.0.1:22 HTTP/1.1\r\nHost: a\r\n\r\n').status).toBe(400);
  });

  it('hands over the bytes after a complete message', () => {
    const p = new RequestParser();
    expect(p.execute(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\nraw bytes'))).toBe(ParseStatus.HeadComplete);
    expect(p.execute()).toBe(ParseStatus.MessageComplete);
    expect(p.takeBuffered().toString()).toBe('raw bytes');
    expect(p.bufferedBytes).toBe(0);
  });
});
