// The HTTP/1.x response head an HTTP backend sends mod_proxy, read as lighttpd 1.4.69's
// http_response_parse_headers / http_response_process_headers do for BACKEND_PROXY
// (src/http-header-glue.c): the first line must be "HTTP/1.0 NNN" or "HTTP/1.1 NNN" (else 502),
// 1xx heads other than 101 are skipped, Connection and HTTP2-Settings are dropped, Status passes
// unparsed, Content-Length and Transfer-Encoding: chunked say how the body ends (the engine frames
// the body to the client itself), a head past 64 KiB is 502.
import { headEnd, type LengthHeader } from './response-head';

/** lighttpd's MAX_HTTP_RESPONSE_FIELD_SIZE. */
const MAX_HEAD = 65535;

export type HttpHeadResult =
  | { readonly kind: 'more' }
  /** 502 Bad Gateway; `log` is lighttpd's error log line for it, if it writes one. */
  | { readonly kind: 'bad'; readonly log: string | null }
  | {
      readonly kind: 'head';
      readonly status: number;
      /** Headers for the client, flat [name, value, ...] as the backend spelled them. */
      readonly headers: string[];
      readonly bodyStart: number;
      /** Content-Length, or -1 (none, invalid, or chunked): the body then ends with the decoder or at close. */
      readonly contentLength: number;
      readonly chunked: boolean;
      /** The backend's first Content-Length line (passed on for HEAD only). */
      readonly lengthHeader: LengthHeader | null;
    };


/** Parses the head at the start of `b` (what the backend sent so far); `path` names the request in log lines. */
export function parseHttpHead(b: Buffer, path: string): HttpHeadResult {
  let start = 0;
  for (;;) {
    const r = parseOne(b.subarray(start), path);
    if (r.kind !== 'head') return r;
    // http_response_check_1xx: an interim head (100 Continue, 103) is followed by the real one
    if (r.status < 200 && r.status !== 101) {
      start += r.bodyStart;
      continue;
    }
    return start === 0 ? r : { ...r, bodyStart: r.bodyStart + start };
  }
}

function parseOne(b: Buffer, path: string): HttpHeadResult {
  const end = headEnd(b);
  if ((end === -1 ? b.length : end) > MAX_HEAD) return { kind: 'bad', log: `response headers too large for ${path}` };
  const firstNl = b.indexOf(0x0a);
  if (firstNl !== -1 && !(firstNl + 1 >= 12 && b.toString('latin1', 0, 5) === 'HTTP/')) return { kind: 'bad', log: null };
  if (end === -1) return { kind: 'more' };
  const lines = b.toString('latin1', 0, end).split('\n');
  const first = (lines[0] as string).replace(/\r$/, '');
  const m = /^HTTP\/1\.[01] (\d{3})(?:[ \t]|$)/.exec(first);
  if (m === null || Number(m[1]) < 100) return { kind: 'bad', log: `invalid HTTP status line: ${first}` };
  const status = Number(m[1]);
  const headers: string[] = [];
  let contentLength = -1;
  let sawLength = false;
  let lengthHeader: LengthHeader | null = null;
  let chunked = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    let value = line.slice(colon + 1).replace(/^[ \t]+/, '');
    if (value.endsWith('\r')) value = value.slice(0, -1);
    switch (name.toLowerCase()) {
      case 'connection':
      case 'http2-settings':
        continue;
      case 'content-length': {
        lengthHeader ??= [name, value];
        // the first one counts; an invalid one means "read until the backend closes"
        if (!chunked && !sawLength) {
          sawLength = true;
          const v = value.replace(/^\+/, '').replace(/[ \t]+$/, '');
          contentLength = /^\d{1,18}$/.test(v) ? Number(v) : -1;
        }
        continue;
      }
      case 'transfer-encoding':
        // upstream assumes "chunked" without checking, and drops a Content-Length with it
        chunked = true;
        contentLength = -1;
        continue;
      case 'content-type':
        if (value.startsWith('application/javascript')) value = 'text/javascript' + value.slice(22);
        break;
      default:
        if (name.endsWith(' ') || name.endsWith('\t')) continue;
    }
    if (value !== '') headers.push(name, value);
  }
  // a chunked answer's Content-Length is dropped, as http_response_process_headers does
  return { kind: 'head', status, headers, bodyStart: end, contentLength, chunked, lengthHeader: chunked ? null : lengthHeader };
}
