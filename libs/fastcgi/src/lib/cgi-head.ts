// CGI response head parser (RFC 3875 section 6): header lines up to the first blank line, with
// Status: and Location: given their CGI meaning, as lighttpd's http_response_parse_headers does.
import { errors } from './errors';

export interface CgiResponseHead {
  /** From Status:, else 302 when Location: is present, else 200. */
  status: number;
  /** The reason phrase given with Status:, if any. */
  reason: string | null;
  location: string | null;
  /** Every header line except Status:, in order, names as sent. */
  headers: Array<[string, string]>;
}

export interface CgiHeadParserOptions {
  /** Longest head accepted before the blank line (default 64 KiB). */
  maxHeadLength?: number;
}

/**
 * Streaming head parser: push STDOUT chunks until it returns the head and the first body bytes.
 * Accepts CRLF and bare LF line ends.
 */
export class CgiHeadParser {
  private readonly maxHeadLength: number;
  private pending: Buffer | null = null;
  private done = false;

  constructor(options: CgiHeadParserOptions = {}) {
    this.maxHeadLength = options.maxHeadLength ?? 64 * 1024;
  }

  push(chunk: Buffer): { head: CgiResponseHead; body: Buffer } | null {
    if (this.done) throw errors.closed('CGI response head');
    const buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    // Resume the search a little before the new bytes so a split "\r\n\r\n" is still found.
    const from = this.pending === null ? 0 : Math.max(0, this.pending.length - 3);
    const end = findHeadEnd(buf, from);
    if (end === null) {
      if (buf.length > this.maxHeadLength) throw errors.cgiHead(`no blank line within ${this.maxHeadLength} bytes`);
      this.pending = buf;
      return null;
    }
    if (end.headLength > this.maxHeadLength) throw errors.cgiHead(`head longer than ${this.maxHeadLength} bytes`);
    this.done = true;
    this.pending = null;
    return { head: parseHeadLines(buf.toString('latin1', 0, end.headLength)), body: buf.subarray(end.bodyOffset) };
  }
}

/** Parse a complete response held in one buffer; null when the blank line is missing. */
export function parseCgiResponse(buf: Buffer): { head: CgiResponseHead; body: Buffer } | null {
  const end = findHeadEnd(buf, 0);
  if (end === null) return null;
  return { head: parseHeadLines(buf.toString('latin1', 0, end.headLength)), body: buf.subarray(end.bodyOffset) };
}

/** Position of the blank line: the head's length (without it) and where the body starts. */
function findHeadEnd(buf: Buffer, from: number): { headLength: number; bodyOffset: number } | null {
  // An empty head (the blank line first) is legal: no headers at all.
  if (from === 0) {
    if (buf.length >= 1 && buf.readUInt8(0) === 0x0a) return { headLength: 0, bodyOffset: 1 };
    if (buf.length >= 2 && buf.readUInt8(0) === 0x0d && buf.readUInt8(1) === 0x0a) return { headLength: 0, bodyOffset: 2 };
  }
  let i = buf.indexOf(0x0a, from);
  while (i !== -1) {
    let j = i + 1;
    if (j < buf.length && buf.readUInt8(j) === 0x0d) j++;
    if (j < buf.length && buf.readUInt8(j) === 0x0a) return { headLength: i + 1, bodyOffset: j + 1 };
    i = buf.indexOf(0x0a, i + 1);
  }
  return null;
}

function parseHeadLines(text: string): CgiResponseHead {
  let status: number | null = null;
  let reason: string | null = null;
  let location: string | null = null;
  const headers: Array<[string, string]> = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw errors.cgiHead(`header line without a name: ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon);
    if (/[\s]/.test(name)) throw errors.cgiHead(`invalid header name ${JSON.stringify(name.slice(0, 80))}`);
    const value = line.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    if (lower === 'status') {
      const m = /^(\d{3})(?:\s+(.*))?$/.exec(value);
      if (m === null) throw errors.cgiHead(`invalid Status: ${JSON.stringify(value.slice(0, 80))}`);
      status = Number(m[1]);
      if (status < 100) throw errors.cgiHead(`invalid Status: ${status}`);
      reason = m[2] === undefined || m[2] === '' ? null : m[2];
      continue;
    }
    if (lower === 'location') location = value;
    headers.push([name, value]);
  }
  return { status: status ?? (location !== null ? 302 : 200), reason, location, headers };
}
