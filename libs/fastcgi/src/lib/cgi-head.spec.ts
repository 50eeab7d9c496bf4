// CGI response head parsing: Status:/Location: semantics, line ends, streaming and limits.
import { CgiHeadParser, parseCgiResponse } from './cgi-head';
import { thrownCode } from '@libs/testing';

describe('CGI response head', () => {
  it('takes the status from Status: and keeps the other headers in order', () => {
    const res = parseCgiResponse(Buffer.from('Status: 404 Not Found\r\nContent-Type: text/html\r\nX-A:  b \r\n\r\nbody'));
    expect(res?.head).toEqual({
      status: 404,
      reason: 'Not Found',
      location: null,
      headers: [
        ['Content-Type', 'text/html'],
        ['X-A', 'b'],
      ],
    });
    expect(res?.body.toString()).toBe('body');
  });

  it('answers 302 for Location: without Status:, and 200 otherwise; accepts bare LF', () => {
    expect(parseCgiResponse(Buffer.from('Location: http://x/\n\n'))?.head).toMatchObject({ status: 302, location: 'http://x/' });
    expect(parseCgiResponse(Buffer.from('Content-Type: text/plain\n\nhi'))?.head.status).toBe(200);
    expect(parseCgiResponse(Buffer.from('\r\nno headers'))?.body.toString()).toBe('no headers');
  });

  it('waits for the blank line across chunks, even when "\\r\\n\\r\\n" is split', () => {
    const parser = new CgiHeadParser();
    expect(parser.push(Buffer.from('Status: 200 OK\r'))).toBeNull();
    expect(parser.push(Buffer.from('\n\r'))).toBeNull();
    const res = parser.push(Buffer.from('\nrest'));
    expect(res?.head.status).toBe(200);
    expect(res?.body.toString()).toBe('rest');
  });

  it('rejects lines without a name, bad Status values and endless heads', () => {
    expect(thrownCode(() => parseCgiResponse(Buffer.from('garbage\r\n\r\n')))).toBe('FASTCGI_ERR_CGI_HEAD');
    expect(thrownCode(() => parseCgiResponse(Buffer.from('Status: abc\r\n\r\n')))).toBe('FASTCGI_ERR_CGI_HEAD');
    const parser = new CgiHeadParser({ maxHeadLength: 16 });
    expect(thrownCode(() => parser.push(Buffer.from('X-Long: ' + 'a'.repeat(20))))).toBe('FASTCGI_ERR_CGI_HEAD');
  });
});
