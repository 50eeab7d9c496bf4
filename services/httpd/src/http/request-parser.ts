// HTTP/1.1 request codec with a hard boundary (undici's client-h1 parser shape, no I/O): one
// object per connection, bytes in, events out; answers match lighttpd 1.4.69 src/request.c + h1.c.
import { HttpError, httpErrors } from './errors';
import { normalizeHost } from './host';
import { KNOWN_METHODS } from './methods';

/** What `execute()` produced; read the matching property (`request`, `bodyChunk`, `error`). */
export const ParseStatus = {
  /** every buffered byte is consumed; call execute() again with more input. */
  NeedMore: 0,
  /** `request` holds a complete, validated request head. */
  HeadComplete: 1,
  /** `bodyChunk` holds the next decoded body bytes (a view into the input, not a copy). */
  BodyChunk: 2,
  /** the message ended (`trailers` holds chunked trailers); bytes after it stay buffered. */
  MessageComplete: 3,
  /** `error` holds the HttpError; the parser accepts nothing more. */
  Error: 4,
} as const;
export type ParseStatus = (typeof ParseStatus)[keyof typeof ParseStatus];

export type HttpVersion = 10 | 11;

export interface RequestHead {
  /** request method as sent (one of lighttpd's known methods). */
  method: string;
  /** request-target in origin form ("/path?query"), "*" for OPTIONS *, the authority for CONNECT; latin1, still encoded. */
  uri: string;
  /** the request-target exactly as it appeared in the request line. */
  target: string;
  /** true when the request line carried an absolute URI ("GET http://host/path HTTP/1.1"). */
  absoluteForm: boolean;
  /** "http" or "https" for absolute-form targets, else "". */
  scheme: string;
  httpVersion: HttpVersion;
  /** flat [name, value, name, value...]; names lower-cased, values latin1 with OWS trimmed.
   *  Transfer-Encoding is hop-by-hop and left out (lighttpd does the same); see `chunked`. */
  headers: string[];
  /** validated, lower-cased host (absolute-form authority wins over Host), or "" when absent. */
  host: string;
  /** body length from Content-Length; -1 when chunked; 0 when there is no body. */
  contentLength: number;
  chunked: boolean;
  /** the connection may carry another request after this one. */
  keepAlive: boolean;
  /** HTTP/1.1 "Expect: 100-continue": the connection may send "100 Continue" before reading the body. */
  expectContinue: boolean;
}

export interface RequestParserOptions {
  /** server.max-request-field-size: the whole head incl. the final CRLF (lighttpd: 8192). */
  maxRequestHeaderSize?: number;
  /** server.max-request-size in bytes (the directive is in kbytes); 0 = unlimited. */
  maxRequestSize?: number;
  /** answer 417 to an HTTP/1.1 Expect other than 100-continue (lighttpd 1.4.69 ignores it). */
  rejectUnknownExpect?: boolean;
}

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;
/** A chunk-size line longer than this cannot be legitimate (hex size plus extensions). */
const MAX_CHUNK_LINE = 1024;
/** 13 significant hex digits stay below 2^53, so sizes remain exact JavaScript numbers. */
const MAX_CHUNK_HEX_DIGITS = 13;

// RFC 9110 tchar: the only bytes lighttpd accepts in a field name (else 400).
const TOKEN = new Uint8Array(256);
for (const ch of "!#$%&'*+-.^_`|~") TOKEN[ch.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
// Field-value bytes: HTAB, visible ASCII, SP, obs-text; NUL/CTLs/DEL are 400 (header-strict).
const FIELD_VALUE = new Uint8Array(256);
FIELD_VALUE[HT] = 1;
for (let c = 0x20; c <= 0x7e; c++) FIELD_VALUE[c] = 1;
for (let c = 0x80; c <= 0xff; c++) FIELD_VALUE[c] = 1;
// Request-target bytes lighttpd accepts (request_uri_is_valid_char): > 32, not DEL, not 0xff.
const URI_CHAR = new Uint8Array(256);
for (let c = 0x21; c <= 0xfe; c++) URI_CHAR[c] = c === 0x7f ? 0 : 1;
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

const S_HEAD = 0;
const S_HEAD_DONE = 1;
const S_BODY_LENGTH = 2;
const S_CHUNK_SIZE = 3;
const S_CHUNK_DATA = 4;
const S_CHUNK_DATA_END = 5;
const S_TRAILERS = 6;
const S_MESSAGE_DONE = 7;
const S_FAILED = 8;

const EMPTY = Buffer.alloc(0);

/**
 * lighttpd's http_request_parse_duplicate for a header it allows once (proxies repeat them): true
 * for the first copy, false for a repeat equal to it ignoring case (dropped), 400 for a differing one.
 */
function firstCopy(seen: Map<string, string>, name: string, value: string, label: string): boolean {
  const first = seen.get(name);
  if (first === undefined) {
    seen.set(name, value);
    return true;
  }
  if (first.toLowerCase() === value.toLowerCase()) return false;
  throw httpErrors.badRequest(`duplicate ${label} header`);
}

function lowerName(buf: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    if (c >= 0x41 && c <= 0x5a) return buf.toString('latin1', start, end).toLowerCase();
  }
  return buf.toString('latin1', start, end);
}

/** Comma-separated token list membership; `lower` is already lower-cased. */
function hasToken(lower: string, token: string): boolean {
  if (lower === token) return true;
  if (lower.indexOf(',') === -1) return false;
  for (const p of lower.split(',')) if (p.trim() === token) return true;
  return false;
}

/**
 * What lighttpd 1.4.69 does with Upgrade before any module sees it (h2.c h2_check_con_upgrade_h2c,
 * run for every request with an Upgrade header): without a Connection header Upgrade is dropped; an
 * upgrade to "h2c" is never carried out here, so Upgrade, HTTP2-Settings and the Connection tokens
 * naming them are dropped (as lighttpd does when it does not switch to HTTP/2). `upgrade` and
 * `connection` index the first of each in the flat header list.
 */
function dropUpgrade(headers: string[], upgrade: number, connection: number): void {
  const remove = (name: string): void => {
    for (let i = headers.length - 2; i >= 0; i -= 2) if (headers[i] === name) headers.splice(i, 2);
  };
  if (connection === -1) return remove('upgrade');
  if (!hasToken((headers[upgrade + 1] as string).toLowerCase(), 'h2c')) return;
  const tokens = (headers[connection + 1] as string).split(',').filter((t) => {
    const l = t.trim().toLowerCase();
    return l !== 'upgrade' && l !== 'http2-settings';
  });
  headers[connection + 1] = tokens.map((t) => t.trim()).join(', ');
  remove('upgrade');
  remove('http2-settings');
}

export class RequestParser {
  /** set when execute() returned HeadComplete (kept until the next head is processed; a head
   *  that fails validation leaves it undefined). */
  request: RequestHead | undefined = undefined;
  /** set when execute() returned BodyChunk. */
  bodyChunk: Buffer = EMPTY;
  /** chunked trailers of the message just completed (flat, names lower-cased). */
  trailers: string[] = [];
  /** set when execute() returned Error. */
  error: HttpError | undefined = undefined;
  /** requests completed on this connection (stray CRLF is skipped only after the first). */
  requestCount = 0;

  private readonly maxHead: number;
  private readonly maxBody: number;
  private readonly rejectUnknownExpect: boolean;
  private buf: Buffer = EMPTY;
  private pos = 0;
  private state = S_HEAD;
  /** head scanning: offsets (relative to the head start) of each line's CR, and resume point. */
  private lineEnds: number[] = [];
  private scanFrom = 0;
  private remaining = 0;
  private bodyTotal = 0;
  private trailerBytes = 0;
  private version: HttpVersion = 10;

  constructor(options: RequestParserOptions = {}) {
    this.maxHead = options.maxRequestHeaderSize ?? 8192;
    this.maxBody = options.maxRequestSize ?? 0;
    this.rejectUnknownExpect = options.rejectUnknownExpect ?? true;
  }

  /** the HTTP version to answer with: the request's once its line parsed, else 1.0 (as lighttpd). */
  get responseVersion(): HttpVersion {
    return this.version;
  }

  /** bytes received but not yet consumed (the start of a pipelined request, for instance). */
  get bufferedBytes(): number {
    return this.buf.length - this.pos;
  }

  /**
   * Takes the bytes received after the last complete message: an upgraded connection (101,
   * CONNECT) carries them to the handler instead of parsing them.
   */
  takeBuffered(): Buffer {
    const rest = this.buf.subarray(this.pos);
    this.buf = EMPTY;
    this.pos = 0;
    return rest;
  }

  /**
   * The input given to execute() may be a read buffer used again for the next read: the bytes not
   * consumed yet are copied (and nothing is held once everything was consumed).
   */
  ownInput(): void {
    // what the parser keeps of a head in progress counts from pos, as append() relies on too
    this.buf = this.pos >= this.buf.length ? EMPTY : Buffer.from(this.buf.subarray(this.pos));
    this.pos = 0;
  }

  /** true while a message is in progress (head partly read, or body not finished). */
  get inMessage(): boolean {
    return this.state !== S_HEAD || this.lineEnds.length > 0 || this.scanFrom > 0;
  }

  /** Append `chunk` (optional) and advance to the next event. */
  execute(chunk?: Buffer): ParseStatus {
    if (chunk !== undefined && chunk.length > 0) this.append(chunk);
    if (this.state === S_FAILED) return ParseStatus.Error;
    try {
      return this.step();
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      this.state = S_FAILED;
      this.error = err;
      if (this.request !== undefined) this.request.keepAlive = false;
      return ParseStatus.Error;
    }
  }

  private append(chunk: Buffer): void {
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
  }

  private step(): ParseStatus {
    switch (this.state) {
      case S_HEAD:
        return this.parseHead();
      case S_HEAD_DONE:
        this.state = S_MESSAGE_DONE;
        return this.step();
      case S_BODY_LENGTH:
      case S_CHUNK_DATA:
        return this.emitBody();
      case S_CHUNK_SIZE:
        return this.parseChunkSize();
      case S_CHUNK_DATA_END:
        return this.parseChunkDataEnd();
      case S_TRAILERS:
        return this.parseTrailers();
      case S_MESSAGE_DONE:
        this.requestCount++;
        this.state = S_HEAD;
        this.bodyChunk = EMPTY;
        return ParseStatus.MessageComplete;
      default:
        throw httpErrors.parserFailed();
    }
  }

  private parseHead(): ParseStatus {
    const buf = this.buf;
    if (this.requestCount > 0 && this.lineEnds.length === 0 && this.scanFrom === 0) {
      // RFC 9112 2.2 / lighttpd h1: an empty line left after a previous request body is skipped.
      while (buf[this.pos] === CR) {
        if (this.pos + 1 >= buf.length) return ParseStatus.NeedMore;
        if (buf[this.pos + 1] !== LF) break;
        this.pos += 2;
      }
    }
    const start = this.pos;
    const len = buf.length - start;
    if (len === 0) return ParseStatus.NeedMore;
    const lineEnds = this.lineEnds;
    let from = start + this.scanFrom;
    const limit = start + this.maxHead;
    for (;;) {
      const lf = buf.indexOf(LF, from);
      if (lf === -1 || lf >= limit) {
        if (len >= this.maxHead) throw httpErrors.headerFieldsTooLarge(this.maxHead);
        this.scanFrom = len;
        return ParseStatus.NeedMore;
      }
      if (lf === start || buf[lf - 1] !== CR) throw httpErrors.badRequest('missing CR before LF in header');
      const lineStart = lineEnds.length === 0 ? 0 : (lineEnds[lineEnds.length - 1] as number) + 2;
      const cr = lf - 1 - start;
      if (cr === lineStart && lineEnds.length > 0) {
        this.scanFrom = 0;
        this.pos = lf + 1;
        this.processHead(buf, start);
        lineEnds.length = 0;
        return ParseStatus.HeadComplete;
      }
      lineEnds.push(cr);
      from = lf + 1;
    }
  }

  private processHead(buf: Buffer, start: number): void {
    const lineEnds = this.lineEnds;
    this.request = undefined;
    const req = this.parseRequestLine(buf, start, start + (lineEnds[0] as number));
    let hasContentLength = false;
    let hopByHop = false;
    let connection = -1;
    let upgrade = -1;
    let connClose = false;
    let connKeepAlive = false;
    // first value of the headers lighttpd allows once (see the cases below); made when one comes
    let single: Map<string, string> | undefined;
    for (let k = 1; k < lineEnds.length; k++) {
      const s = start + (lineEnds[k - 1] as number) + 2;
      const e = start + (lineEnds[k] as number);
      const c0 = buf[s] as number;
      // RFC 9112 5.2: obs-fold may be rejected with 400; lighttpd unfolds it, we refuse it.
      if (c0 === SP || c0 === HT) throw httpErrors.badRequest('obs-fold (line folding) in header');
      let colon = s;
      while (colon < e && TOKEN[buf[colon] as number] === 1) colon++;
      if (colon === e || buf[colon] !== 0x3a) {
        throw httpErrors.badRequest(
          colon < e && (buf[colon] === SP || buf[colon] === HT) ? 'WS character in key' : 'invalid character in key',
        );
      }
      if (colon === s) throw httpErrors.badRequest('empty header name');
      let vs = colon + 1;
      for (let i = vs; i < e; i++) {
        if (FIELD_VALUE[buf[i] as number] !== 1) throw httpErrors.badRequest('invalid character in header value');
      }
      let ve = e;
      while (vs < ve && (buf[vs] === SP || buf[vs] === HT)) vs++;
      while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HT)) ve--;
      // lighttpd drops fields with an empty value (an empty Host is then "missing").
      if (vs === ve) continue;
      const name = lowerName(buf, s, colon);
      const value = buf.toString('latin1', vs, ve);
      switch (name) {
        case 'host': {
          // A repeat equal (ignoring case) to the first Host (or to the absolute-form authority) is dropped.
          if (this.rawHost !== '') {
            if (value.toLowerCase() === this.rawHost.toLowerCase()) continue;
            throw httpErrors.badRequest('duplicate Host header');
          }
          if (value.length >= 1024) throw httpErrors.badRequest('uri-authority too long');
          const host = normalizeHost(value);
          if (host === undefined) throw httpErrors.badRequest('invalid Host header');
          this.rawHost = value;
          req.host = host;
          break;
        }
        case 'content-length': {
          if (hasContentLength) throw httpErrors.badRequest('duplicate Content-Length header');
          if (req.chunked) throw httpErrors.badRequest('Content-Length with Transfer-Encoding');
          req.contentLength = parseContentLength(buf, vs, ve);
          hasContentLength = true;
          break;
        }
        case 'transfer-encoding': {
          if (req.httpVersion === 10) throw httpErrors.badRequest('HTTP/1.0 with Transfer-Encoding');
          if (value.length !== 7 || value.toLowerCase() !== 'chunked') {
            throw httpErrors.notImplemented(`unsupported Transfer-Encoding: ${value}`);
          }
          if (hasContentLength) throw httpErrors.badRequest('Transfer-Encoding with Content-Length');
          req.chunked = true;
          req.contentLength = -1;
          continue;
        }
        case 'upgrade':
          hopByHop = true;
          if (upgrade === -1) upgrade = req.headers.length;
          break;
        case 'connection': {
          if (connection === -1) connection = req.headers.length;
          const lower = value.toLowerCase();
          if (hasToken(lower, 'close')) connClose = true;
          else if (hasToken(lower, 'keep-alive')) connKeepAlive = true;
          break;
        }
        case 'expect':
          if (req.httpVersion === 11) {
            if (value.toLowerCase() === '100-continue') req.expectContinue = true;
            else if (this.rejectUnknownExpect) throw httpErrors.expectationFailed(value);
          }
          break;
        case 'content-type':
          if (!firstCopy((single ??= new Map()), name, value, 'Content-Type')) continue;
          break;
        case 'if-modified-since':
          if (!firstCopy((single ??= new Map()), name, value, 'If-Modified-Since')) continue;
          break;
        case 'http2-settings':
          hopByHop = true;
          if (!firstCopy((single ??= new Map()), name, value, 'HTTP2-Settings')) continue;
          break;
        case 'if-none-match':
          // lighttpd keeps only the first If-None-Match, whatever the repeats say.
          if (single?.has(name) === true) continue;
          (single ??= new Map()).set(name, value);
          break;
        default:
          break;
      }
      req.headers.push(name, value);
    }
    this.rawHost = '';
    if (req.httpVersion === 11 && req.host === '') throw httpErrors.badRequest('HTTP/1.1 but Host missing');
    if (hopByHop && req.httpVersion !== 11) throw httpErrors.badRequest('invalid hop-by-hop header w/o HTTP/1.1');
    if (upgrade !== -1) dropUpgrade(req.headers, upgrade, connection);
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (req.chunked || req.contentLength > 0) throw httpErrors.badRequest('GET/HEAD with content-length');
    } else if (req.method === 'POST' && !hasContentLength && !req.chunked) {
      throw httpErrors.lengthRequired();
    }
    if (this.maxBody > 0 && req.contentLength > this.maxBody) {
      throw httpErrors.payloadTooLarge(req.contentLength, this.maxBody);
    }
    req.keepAlive = connClose ? false : connKeepAlive ? true : req.httpVersion === 11;
    this.request = req;
    this.bodyTotal = 0;
    this.trailerBytes = 0;
    this.trailers = [];
    if (req.chunked) {
      this.state = S_CHUNK_SIZE;
    } else if (req.contentLength > 0) {
      this.remaining = req.contentLength;
      this.state = S_BODY_LENGTH;
    } else {
      this.state = S_HEAD_DONE;
    }
  }

  /** the first Host value (or absolute-form authority) of the head being processed. */
  private rawHost = '';

  private parseRequestLine(buf: Buffer, s: number, e: number): RequestHead {
    this.version = 10;
    this.rawHost = '';
    let sp1 = s;
    while (sp1 < e && buf[sp1] !== SP) sp1++;
    if (sp1 === e) throw httpErrors.badRequest('incomplete request line');
    let sp2 = e - 1;
    while (buf[sp2] !== SP) sp2--;
    // Protocol first (lighttpd): "HTTP/1.1" or "HTTP/1.0" exactly; other HTTP/ versions 505.
    const p = sp2 + 1;
    const plen = e - p;
    if (
      plen < 5 ||
      buf[p] !== 0x48 ||
      buf[p + 1] !== 0x54 ||
      buf[p + 2] !== 0x54 ||
      buf[p + 3] !== 0x50 ||
      buf[p + 4] !== 0x2f
    ) {
      throw httpErrors.badRequest('unknown protocol');
    }
    let version: HttpVersion;
    if (plen >= 8 && buf[p + 5] === 0x31 && buf[p + 6] === 0x2e && (buf[p + 7] === 0x31 || buf[p + 7] === 0x30)) {
      if (plen !== 8) throw httpErrors.badRequest('unknown protocol');
      version = buf[p + 7] === 0x31 ? 11 : 10;
    } else {
      throw httpErrors.versionNotSupported();
    }
    this.version = version;
    const method = buf.toString('latin1', s, sp1);
    if (!KNOWN_METHODS.has(method)) throw httpErrors.notImplemented('unknown http-method');
    const us = sp1 + 1;
    const ue = sp2;
    if (us >= ue) throw httpErrors.badRequest('no uri specified');
    for (let i = us; i < ue; i++) {
      if (URI_CHAR[buf[i] as number] !== 1) throw httpErrors.badRequest('invalid character in URI');
    }
    const target = buf.toString('latin1', us, ue);
    const req: RequestHead = {
      method,
      uri: target,
      target,
      absoluteForm: false,
      scheme: '',
      httpVersion: version,
      headers: [],
      host: '',
      contentLength: 0,
      chunked: false,
      keepAlive: false,
      expectContinue: false,
    };
    const c0 = buf[us];
    if (c0 === 0x2f) return req;
    // CONNECT's authority-form: lighttpd (strict header parsing, the default) takes only a target
    // that starts with a digit or ':' ("127.0.0.1:22"); a host name there is 400
    if (method === 'CONNECT' && (c0 === 0x3a || (c0 !== undefined && c0 >= 0x30 && c0 <= 0x39))) return req;
    if (c0 === 0x2a && ue - us === 1) {
      if (method !== 'OPTIONS') throw httpErrors.badRequest('"*" request-target only with OPTIONS');
      return req;
    }
    // Absolute form (RFC 9112 3.2.2): the authority replaces Host; a path must follow it.
    const lower = target.length > 8 ? target.slice(0, 8).toLowerCase() : target.toLowerCase();
    let authStart = -1;
    if (lower.startsWith('http://')) {
      authStart = 7;
      req.scheme = 'http';
    } else if (lower.startsWith('https://')) {
      authStart = 8;
      req.scheme = 'https';
    }
    if (authStart === -1) throw httpErrors.badRequest('invalid request-target');
    const slash = target.indexOf('/', authStart);
    if (slash === -1) throw httpErrors.badRequest('absolute URI without path');
    const authority = target.slice(authStart, slash);
    const host = authority.length < 1024 ? normalizeHost(authority) : undefined;
    if (host === undefined) throw httpErrors.badRequest('invalid authority in request-target');
    req.host = host;
    this.rawHost = authority;
    req.uri = target.slice(slash);
    req.absoluteForm = true;
    return req;
  }

  private emitBody(): ParseStatus {
    const avail = this.buf.length - this.pos;
    if (avail === 0) return ParseStatus.NeedMore;
    const n = avail < this.remaining ? avail : this.remaining;
    this.bodyChunk = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.remaining -= n;
    if (this.remaining === 0) this.state = this.state === S_CHUNK_DATA ? S_CHUNK_DATA_END : S_MESSAGE_DONE;
    return ParseStatus.BodyChunk;
  }

  private parseChunkSize(): ParseStatus {
    const buf = this.buf;
    const s = this.pos;
    const lf = buf.indexOf(LF, s);
    if (lf === -1 || lf - s > MAX_CHUNK_LINE) {
      if (buf.length - s > MAX_CHUNK_LINE) throw httpErrors.badRequest('chunked header line too long');
      return ParseStatus.NeedMore;
    }
    if (lf === s || buf[lf - 1] !== CR) throw httpErrors.badRequest('chunked header line missing CR');
    const e = lf - 1;
    let i = s;
    let size = 0;
    let digits = 0;
    for (; i < e; i++) {
      const h = HEX[buf[i] as number] as number;
      if (h < 0) break;
      if (size > 0 || h > 0) digits++;
      size = size * 16 + h;
    }
    if (i === s) throw httpErrors.badRequest('invalid chunk size');
    if (digits > MAX_CHUNK_HEX_DIGITS) throw httpErrors.badRequest('chunk size overflow');
    while (i < e && (buf[i] === SP || buf[i] === HT)) i++;
    if (i < e && buf[i] !== 0x3b) throw httpErrors.badRequest('invalid chunk size');
    this.pos = lf + 1;
    if (size === 0) {
      this.state = S_TRAILERS;
      return this.parseTrailers();
    }
    this.bodyTotal += size;
    if (this.maxBody > 0 && this.bodyTotal > this.maxBody) throw httpErrors.payloadTooLarge(this.bodyTotal, this.maxBody);
    this.remaining = size;
    this.state = S_CHUNK_DATA;
    return this.emitBody();
  }

  private parseChunkDataEnd(): ParseStatus {
    const buf = this.buf;
    if (buf.length - this.pos < 2) {
      if (this.pos < buf.length && buf[this.pos] !== CR) throw httpErrors.badRequest('chunk data not followed by CRLF');
      return ParseStatus.NeedMore;
    }
    if (buf[this.pos] !== CR || buf[this.pos + 1] !== LF) throw httpErrors.badRequest('chunk data not followed by CRLF');
    this.pos += 2;
    this.state = S_CHUNK_SIZE;
    return this.parseChunkSize();
  }

  private parseTrailers(): ParseStatus {
    const buf = this.buf;
    for (;;) {
      const s = this.pos;
      const lf = buf.indexOf(LF, s);
      if (lf === -1) {
        if (this.trailerBytes + (buf.length - s) > this.maxHead) throw httpErrors.headerFieldsTooLarge(this.maxHead);
        return ParseStatus.NeedMore;
      }
      this.trailerBytes += lf + 1 - s;
      if (this.trailerBytes > this.maxHead) throw httpErrors.headerFieldsTooLarge(this.maxHead);
      if (lf === s || buf[lf - 1] !== CR) throw httpErrors.badRequest('missing CR before LF in trailer');
      this.pos = lf + 1;
      const e = lf - 1;
      if (e === s) {
        this.state = S_MESSAGE_DONE;
        return this.step();
      }
      const c0 = buf[s] as number;
      if (c0 === SP || c0 === HT) throw httpErrors.badRequest('obs-fold (line folding) in trailer');
      let colon = s;
      while (colon < e && TOKEN[buf[colon] as number] === 1) colon++;
      if (colon === s || colon === e || buf[colon] !== 0x3a) throw httpErrors.badRequest('invalid character in trailer key');
      for (let i = colon + 1; i < e; i++) {
        if (FIELD_VALUE[buf[i] as number] !== 1) throw httpErrors.badRequest('invalid character in trailer value');
      }
      let vs = colon + 1;
      let ve = e;
      while (vs < ve && (buf[vs] === SP || buf[vs] === HT)) vs++;
      while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HT)) ve--;
      this.trailers.push(lowerName(buf, s, colon), buf.toString('latin1', vs, ve));
    }
  }
}

/** Content-Length: 1*DIGIT only (lighttpd: strtoll must consume all; "+3", "-1", "3, 3" are 400). */
function parseContentLength(buf: Buffer, s: number, e: number): number {
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) throw httpErrors.badRequest('invalid Content-Length header');
    n = n * 10 + d;
  }
  if (!Number.isSafeInteger(n)) throw httpErrors.badRequest('invalid Content-Length header');
  return n;
}
