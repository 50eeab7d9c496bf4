// White-box tests of request-target decoding and path simplification (lighttpd burl.c/buffer.c).
import { parseRequestPath, simplifyPath, urlDecodePath } from './request-path';

describe('simplifyPath', () => {
  it.each([
    ['/', '/'],
    ['/a/b', '/a/b'],
    ['//a///b', '/a/b'],
    ['/a/./b', '/a/b'],
    ['/a/../b', '/b'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['/a/b/..', '/a/'],
    ['/a/.', '/a/'],
    ['/a/b/', '/a/b/'],
    ['a/b', '/a/b'],
    ['/a\\..\\b', '/a\\..\\b'],
    ['/...', '/...'],
  ])('%s -> %s', (input, out) => {
    expect(simplifyPath(input)).toBe(out);
  });
});

describe('urlDecodePath', () => {
  it('decodes valid escapes to bytes and leaves invalid ones literal', () => {
    expect(urlDecodePath('/a%20b%2Fc')).toBe('/a b/c');
    expect(urlDecodePath('/%c3%a9')).toBe('/\xc3\xa9');
    expect(urlDecodePath('/%zz/%2')).toBe('/%zz/%2');
  });

  it('refuses a decoded NUL with 400', () => {
    expect(() => urlDecodePath('/a%00.html')).toThrow(expect.objectContaining({ code: 'HTTPD_ERR_BAD_REQUEST', status: 400 }));
  });
});

describe('parseRequestPath', () => {
  it('splits path and query and drops the fragment', () => {
    expect(parseRequestPath('/a/%2e%2e/b?x=%41#frag')).toEqual({ path: '/b', query: 'x=%41' });
    expect(parseRequestPath('/sub%2f..%2f..%2fetc/passwd')).toEqual({ path: '/etc/passwd', query: '' });
    expect(parseRequestPath('*')).toEqual({ path: '*', query: '' });
  });

  it.each(['/%00', '/%1f', '/%7F', '/%ff', '/a?x=%00'])('rejects encoded control bytes: %s', (uri) => {
    expect(() => parseRequestPath(uri)).toThrow(expect.objectContaining({ status: 400 }));
  });
});
