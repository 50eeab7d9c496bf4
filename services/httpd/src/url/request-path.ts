// Request-target to URL path: lighttpd 1.4.69's burl.c (url-normalize-required, url-ctrls-reject)
// and buffer.c (buffer_urldecode_path, buffer_path_simplify), as used by response.c.
import { httpErrors } from '../http/errors';

export interface RequestPath {
  /** decoded, simplified path; a latin1 string holding the raw bytes ("%c3%a9" -> "\xc3\xa9"). */
  path: string;
  /** the query without '?', still percent-encoded ("" when absent). */
  query: string;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Rejects percent-encoded control bytes (%00-%1F, %7F) and %FF anywhere in the target, as
 * lighttpd's url-ctrls-reject does (on by default): those answer 400, in the query too.
 */
export function assertNoEncodedControls(target: string): void {
  let i = target.indexOf('%');
  while (i !== -1 && i + 2 < target.length) {
    const hi = hexValue(target.charCodeAt(i + 1));
    const lo = hexValue(target.charCodeAt(i + 2));
    if (hi >= 0 && lo >= 0) {
      const b = hi * 16 + lo;
      if (b < 0x20 || b === 0x7f || b === 0xff) throw httpErrors.badRequest('encoded control character in URI');
    }
    i = target.indexOf('%', i + 1);
  }
}

/**
 * Decodes %XX escapes (a latin1 string of bytes out); invalid escapes ("%zz", a trailing "%2")
 * stay literal like lighttpd's buffer_urldecode_path. "%2F" becomes '/', so it is simplified
 * like any other slash and cannot smuggle "..". A decoded NUL is refused (400); with
 * `controls` = 'underscore' every decoded control byte becomes '_' instead, as
 * buffer_urldecode_path does for paths a backend names (X-Sendfile).
 */
export function urlDecodePath(raw: string, controls: 'refuse-nul' | 'underscore' = 'refuse-nul'): string {
  let i = raw.indexOf('%');
  if (i === -1) return raw;
  let out = raw.slice(0, i);
  let from = i;
  while (i !== -1) {
    const hi = i + 2 < raw.length ? hexValue(raw.charCodeAt(i + 1)) : -1;
    const lo = hi >= 0 ? hexValue(raw.charCodeAt(i + 2)) : -1;
    if (lo >= 0) {
      const b = hi * 16 + lo;
      const control = b < 0x20 || b === 0x7f;
      if (b === 0 && controls === 'refuse-nul') throw httpErrors.badRequest('%00 in URL path');
      out += raw.slice(from, i) + (control && controls === 'underscore' ? '_' : String.fromCharCode(b));
      from = i + 3;
      i = raw.indexOf('%', from);
    } else {
      i = raw.indexOf('%', i + 1);
    }
  }
  return out + raw.slice(from);
}

/**
 * Removes "." and ".." segments and repeated slashes, never climbing above "/" (lighttpd
 * buffer_path_simplify; RFC 3986 5.2.4). The result always starts with '/'; a trailing slash,
 * or a final "." / ".." segment, leaves a trailing slash.
 */
export function simplifyPath(path: string): string {
  const segments: string[] = [];
  let trailing = false;
  let s = 0;
  const n = path.length;
  while (s <= n) {
    let e = path.indexOf('/', s);
    if (e === -1) e = n;
    const len = e - s;
    if (len === 0 || (len === 1 && path.charCodeAt(s) === 0x2e)) {
      trailing = true;
    } else if (len === 2 && path.charCodeAt(s) === 0x2e && path.charCodeAt(s + 1) === 0x2e) {
      segments.pop();
      trailing = true;
    } else {
      segments.push(path.slice(s, e));
      trailing = false;
    }
    s = e + 1;
  }
  if (segments.length === 0) return '/';
  return '/' + segments.join('/') + (trailing ? '/' : '');
}

/**
 * Splits a request uri (origin form, from RequestHead.uri) into the decoded, simplified path and
 * the raw query; a fragment is dropped. Throws HTTPD_ERR_BAD_REQUEST (400) like lighttpd.
 */
export function parseRequestPath(uri: string): RequestPath {
  if (uri === '*') return { path: '*', query: '' };
  assertNoEncodedControls(uri);
  const hash = uri.indexOf('#');
  const target = hash === -1 ? uri : uri.slice(0, hash);
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);
  return { path: simplifyPath(urlDecodePath(rawPath)), query };
}
