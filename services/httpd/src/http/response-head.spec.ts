// White-box tests of the response head serializer, chunk framing and the per-second Date cache.
import { dateHeader } from './http-date';
import { CONTINUE_100, encodeChunk, LAST_CHUNK, serializeResponseHead } from './response-head';

const DATE = 'Sun, 06 Nov 1994 08:49:37 GMT';

describe('serializeResponseHead', () => {
  it('writes a tunnel head (101, CONNECT 200) without framing: Connection: upgrade with an Upgrade header on 1.1, else close', () => {
    const ws = serializeResponseHead({ status: 101, httpVersion: 11, headers: ['Upgrade', 'websocket'], keepAlive: false, serverTag: 'lighttpd', date: DATE, tunnel: true });
    expect(ws.head).toBe(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\nDate: ${DATE}\r\nServer: lighttpd\r\n\r\n`);
    expect(ws).toMatchObject({ framing: 'close', keepAlive: false });
    const connect = serializeResponseHead({ status: 200, httpVersion: 10, keepAlive: true, serverTag: 'lighttpd', date: DATE, tunnel: true });
    expect(connect.head).toBe(`HTTP/1.0 200 OK\r\nConnection: close\r\nDate: ${DATE}\r\nServer: lighttpd\r\n\r\n`);
    expect(connect.framing).toBe('close');
  });

  it('writes status line, headers, Content-Length, Date and Server', () => {
    const r = serializeResponseHead({ status: 200, httpVersion: 11, headers: ['Content-Type', 'text/html'], contentLength: 5, keepAlive: true, serverTag: 'httpd-ts', date: DATE });
    expect(r.head).toBe(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\nDate: ${DATE}\r\nServer: httpd-ts\r\n\r\n`);
    expect(r).toMatchObject({ framing: 'length', keepAlive: true });
  });

  it('chunks unknown-length bodies on 1.1 and closes on 1.0', () => {
    expect(serializeResponseHead({ status: 200, httpVersion: 11, keepAlive: true, date: DATE }).head).toContain('Transfer-Encoding: chunked\r\n');
    const r10 = serializeResponseHead({ status: 200, httpVersion: 10, keepAlive: true, date: DATE });
    expect(r10).toMatchObject({ framing: 'close', keepAlive: false });
    expect(r10.head).toContain('Connection: close\r\n');
  });

  it('says keep-alive to HTTP/1.0 clients and close when the connection ends', () => {
    expect(serializeResponseHead({ status: 404, httpVersion: 10, contentLength: 0, keepAlive: true, date: DATE }).head).toBe(
      `HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: keep-alive\r\nDate: ${DATE}\r\nServer: lighttpd\r\n\r\n`,
    );
    expect(serializeResponseHead({ status: 400, httpVersion: 11, contentLength: 0, keepAlive: false, serverTag: '', date: DATE }).head).toBe(
      `HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\nDate: ${DATE}\r\n\r\n`,
    );
  });

  it("keeps a backend's own Date and Server instead of adding its own (h1.c http_response_write_header)", () => {
    const r = serializeResponseHead({ status: 200, httpVersion: 11, headers: ['Server', 'nginx', 'date', 'Mon, 01 Jan 2024 00:00:00 GMT'], contentLength: 0, keepAlive: true, serverTag: 'httpd-ts', date: DATE });
    expect(r.head).toBe('HTTP/1.1 200 OK\r\nServer: nginx\r\ndate: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Length: 0\r\n\r\n');
  });

  it('never frames a body for 204 and 304', () => {
    const r = serializeResponseHead({ status: 304, httpVersion: 11, contentLength: 10, keepAlive: true, date: DATE });
    expect(r.framing).toBe('none');
    expect(r.head).not.toContain('Content-Length');
  });

  it('frames chunks in hex and ends with the last chunk', () => {
    expect(Buffer.concat(encodeChunk(Buffer.alloc(26, 'x'))).toString()).toBe(`1a\r\n${'x'.repeat(26)}\r\n`);
    expect(encodeChunk(Buffer.alloc(0))).toEqual([]);
    expect(LAST_CHUNK.toString()).toBe('0\r\n\r\n');
    expect(CONTINUE_100).toBe('HTTP/1.1 100 Continue\r\n\r\n');
  });
});

describe('dateHeader', () => {
  it('formats IMF-fixdate and keeps one value per second', () => {
    const t = Date.UTC(1994, 10, 6, 8, 49, 37);
    expect(dateHeader(t)).toBe(DATE);
    expect(dateHeader(t + 999)).toBe(DATE);
    expect(dateHeader(t + 1000)).toBe('Sun, 06 Nov 1994 08:49:38 GMT');
  });
});
