// White-box tests of the backend response head parser (lighttpd 1.4.69 http_response_parse_headers, BACKEND_PROXY).
import { parseHttpHead } from './http-response-head';

const parse = (s: string) => parseHttpHead(Buffer.from(s, 'latin1'), '/p');

describe('parseHttpHead', () => {
  it('reads the status line and headers, drops Connection, keeps Status unparsed, and finds the body', () => {
    const wire = 'HTTP/1.1 201 Created\r\nConnection: close\r\nStatus: 500\r\nX-A: 1\r\nContent-Length: 4\r\n\r\nbody';
    expect(parse(wire)).toEqual({ kind: 'head', status: 201, headers: ['Status', '500', 'X-A', '1'], bodyStart: wire.indexOf('body'), contentLength: 4, chunked: false, lengthHeader: ['Content-Length', '4'] });
  });

  it('takes chunked over Content-Length, and an invalid length means "to the close"', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n')).toMatchObject({ contentLength: -1, chunked: true });
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 9x\r\n\r\n')).toMatchObject({ contentLength: -1, chunked: false });
  });

  it('skips interim 1xx heads', () => {
    const r = parse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-B: 2\r\n\r\n');
    expect(r).toMatchObject({ kind: 'head', status: 200, headers: ['X-B', '2'] });
  });

  it('waits for the blank line, and refuses a head without an HTTP/1.x status line', () => {
    expect(parse('HTTP/1.1 200 OK\r\nX-A: 1\r\n').kind).toBe('more');
    expect(parse('Status: 200\r\n\r\n')).toEqual({ kind: 'bad', log: null });
    expect(parse('HTTP/2.0 200 OK\r\n\r\n')).toEqual({ kind: 'bad', log: 'invalid HTTP status line: HTTP/2.0 200 OK' });
    expect(parse(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70000)}`)).toEqual({ kind: 'bad', log: 'response headers too large for /p' });
  });
});
