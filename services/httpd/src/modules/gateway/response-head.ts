// The CGI head a FastCGI backend writes before its body, read as lighttpd 1.4.69's
// http_response_parse_headers / http_response_process_headers do for BACKEND_FASTCGI
// (src/http-header-glue.c): "Status:" sets the status (three digits, else 502), "Location:" without
// a status means 302, an "HTTP/1.x NNN" first line is a non-parsed-header status line, lines
// without a colon are skipped, a first line without one is 502, a head past 64 KiB is 502. An
// authorizer's head (gateway/authorizer.ts) is read as lighttpd reads it with opts->authorizer: while
// the status is unset or 200, only Status and Variable-* lines count.
import type { Request } from '../../core/request';

/** lighttpd's MAX_HTTP_RESPONSE_FIELD_SIZE. */
const MAX_HEAD = 65535;

export type CgiHeadResult =
  /** The blank line has not arrived yet. */
  | { readonly kind: 'more' }
  /** 502 Bad Gateway; `log` is lighttpd's error log line for it, if it writes one. */
  | { readonly kind: 'bad'; readonly log: string | null }
  /**
   * The head: status (0 when the backend set none), headers for the client, where the body starts,
   * and the backend's first Content-Length line (passed on for HEAD only: the engine frames bodies).
   */
  | { readonly kind: 'head'; readonly status: number; readonly headers: string[]; readonly bodyStart: number; readonly lengthHeader: LengthHeader | null };

/** A backend's Content-Length line: [name as spelled, value]. */
export type LengthHeader = readonly [string, string];

/**
 * lighttpd keeps a backend's Content-Length when it answers HEAD (the engine's own length is
 * not computed then: there is no body), so a HEAD answer tells the GET's length.
 */
export function passLengthForHead(r: Request, lengthHeader: LengthHeader | null): void {
  if (lengthHeader !== null && r.head.method === 'HEAD') r.responseHeaders.push(lengthHeader[0], lengthHeader[1]);
}

/** http_header_str_to_code: exactly three digits followed by SP, TAB or the end. */
function statusCode(s: string): number {
  if (!/^\d{3}(?:[ \t]|$)/.test(s)) return -1;
  return Number(s.slice(0, 3));
}

/** The end of a head (CGI or HTTP): the offset after its blank line, or -1. */
export function headEnd(b: Buffer): number {
  let line = 0;
  while (line < b.length) {
    const nl = b.indexOf(0x0a, line);
    if (nl === -1) return -1;
    if (nl === line || (nl === line + 1 && b[line] === 0x0d)) return nl + 1;
    line = nl + 1;
  }
  return -1;
}

/**
 * Parses the head at the start of `b` (the backend's STDOUT so far); `path` names the request in log
 * lines. With `variables` the head is an authorizer's: its Variable-NAME lines are added there as
 * [NAME, value], and while the status is unset or 200 no other line is a response header.
 */
export function parseCgiHead(b: Buffer, path: string, variables: Array<[string, string]> | null = null): CgiHeadResult {
  let start = 0;
  for (;;) {
    const r = parseOne(b.subarray(start), path, variables);
    if (r.kind !== 'head') return r;
    // a 1xx head other than 101 is followed by the real one (http_response_check_1xx)
    if (r.status >= 100 && r.status < 200 && r.status !== 101) {
      start += r.bodyStart;
      continue;
    }
    return start === 0 ? r : { ...r, bodyStart: r.bodyStart + start };
  }
}

function parseOne(b: Buffer, path: string, variables: Array<[string, string]> | null): CgiHeadResult {
  const end = headEnd(b);
  if ((end === -1 ? b.length : end) > MAX_HEAD) return { kind: 'bad', log: `response headers too large for ${path}` };
  const firstNl = b.indexOf(0x0a);
  let nph = false;
  if (firstNl !== -1) {
    nph = firstNl + 1 >= 12 && b.toString('latin1', 0, 5) === 'HTTP/';
    if (!nph && b.subarray(0, firstNl).indexOf(0x3a) === -1 && !(firstNl === 0 || (firstNl === 1 && b[0] === 0x0d))) {
      return { kind: 'bad', log: null };
    }
  }
  if (end === -1) return { kind: 'more' };
  const lines = b.toString('latin1', 0, end).split('\n');
  let status = 0;
  let i = 0;
  if (nph) {
    const s = (lines[0] as string).replace(/\r$/, '');
    const code = s[6] === '.' && (s[7] === '0' || s[7] === '1') && s[8] === ' ' ? statusCode(s.slice(9, 13)) : -1;
    if (code < 100) return { kind: 'bad', log: `invalid HTTP status line: ${s}` };
    status = code;
    i = 1;
  }
  const headers: string[] = [];
  let location = false;
  let lengthHeader: LengthHeader | null = null;
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    let value = line.slice(colon + 1).replace(/^[ \t]+/, '');
    if (value.endsWith('\r')) value = value.slice(0, -1);
    const lower = name.toLowerCase();
    if (variables !== null && (status === 0 || status === 200)) {
      if (lower === 'status') {
        const code = statusCode(value);
        if (code < 100) return { kind: 'bad', log: null };
        status = code;
      } else if (name.length > 9 && lower.startsWith('variable-')) {
        variables.push([name.slice(9), value]);
      }
      continue;
    }
    switch (lower) {
      case 'status': {
        const code = statusCode(value);
        if (code < 100) return { kind: 'bad', log: null };
        status = code;
        continue;
      }
      // hop-by-hop or framing: the engine frames the body and decides keep-alive itself
      case 'content-length':
        lengthHeader ??= [name, value];
        continue;
      case 'connection':
      case 'upgrade':
      case 'http2-settings':
        continue;
      case 'transfer-encoding':
        return { kind: 'bad', log: `a chunked response body from the backend is not decoded by this version of httpd-ts (${path})` };
      case 'content-type':
        // lighttpd rewrites the obsolete application/javascript
        if (value.startsWith('application/javascript')) value = 'text/javascript' + value.slice(22);
        break;
      case 'location':
        location = value !== '';
        break;
      default:
        // invalid names with whitespace before the colon are dropped
        if (name.endsWith(' ') || name.endsWith('\t')) continue;
    }
    if (value !== '') headers.push(name, value);
  }
  // CGI/1.1: a Location without Status is a redirect
  if (status === 0 && location) status = 302;
  return { kind: 'head', status, headers, bodyStart: end, lengthHeader };
}
