// Response head serializer and chunked framing encoder: lighttpd 1.4.69's h1 response head
// (src/http-header-glue.c / h1.c): status line, Date, Server (server.tag), framing, Connection.
import { dateHeader } from './http-date';
import type { HttpVersion } from './request-parser';
import { reasonPhrase, statusHasNoBody } from './status-codes';

export interface ResponseHeadInit {
  status: number;
  /** version of the request (1.0 for requests whose line did not parse, as lighttpd). */
  httpVersion: HttpVersion;
  /** flat [name, value, ...] written as given; framing and Connection are decided here. */
  headers?: readonly string[];
  /** body length when known; undefined means "unknown" (chunked on 1.1, close-delimited on 1.0). */
  contentLength?: number;
  /** the connection would like to keep the connection open after this response. */
  keepAlive: boolean;
  /** server.tag; "" leaves the Server header out (lighttpd: server.tag = ""). */
  serverTag?: string;
  /** a fixed Date value (tests pin it); defaults to the per-second cached one. */
  date?: string;
  /**
   * the connection becomes a tunnel after this head (101, or 200 to CONNECT): no length and no
   * chunks, the body's bytes go out as they are and the connection closes after them.
   */
  tunnel?: boolean;
  /** no body and no length for it (an empty, finished answer to HEAD: the GET's length is unknown). */
  bodiless?: boolean;
}

export type BodyFraming = 'none' | 'length' | 'chunked' | 'close';

export interface ResponseHead {
  /** the head, CRLF-terminated, to be written as latin1. */
  head: string;
  framing: BodyFraming;
  /** whether the connection stays open after the body (false forces close). */
  keepAlive: boolean;
}

/** The interim response for "Expect: 100-continue". */
export const CONTINUE_100 = 'HTTP/1.1 100 Continue\r\n\r\n';

export function serializeResponseHead(init: ResponseHeadInit): ResponseHead {
  const { status, httpVersion } = init;
  let keepAlive = init.keepAlive;
  let framing: BodyFraming;
  if (init.tunnel === true) {
    framing = 'close';
    keepAlive = false;
  } else if (statusHasNoBody(status) || init.bodiless === true) framing = 'none';
  else if (init.contentLength !== undefined) framing = 'length';
  else if (httpVersion === 11) framing = 'chunked';
  else {
    // HTTP/1.0 cannot chunk: the body ends when the connection closes.
    framing = 'close';
    keepAlive = false;
  }
  let head = (httpVersion === 11 ? 'HTTP/1.1 ' : 'HTTP/1.0 ') + status + ' ' + reasonPhrase(status) + '\r\n';
  const headers = init.headers;
  // a backend's own Date and Server (mod_proxy) are kept, as h1.c http_response_write_header does
  let hasDate = false;
  let hasServer = false;
  let hasUpgrade = false;
  if (headers !== undefined) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = headers[i] as string;
      if (name.length === 4 && name.toLowerCase() === 'date') hasDate = true;
      else if (name.length === 6 && name.toLowerCase() === 'server') hasServer = true;
      else if (name.length === 7 && name.toLowerCase() === 'upgrade') hasUpgrade = true;
      head += name + ': ' + headers[i + 1] + '\r\n';
    }
  }
  if (framing === 'length') head += 'Content-Length: ' + init.contentLength + '\r\n';
  else if (framing === 'chunked') head += 'Transfer-Encoding: chunked\r\n';
  // lighttpd (http_response_write_header): an upgraded HTTP/1.1 answer says so instead of "close"
  if (init.tunnel === true && hasUpgrade && httpVersion === 11) head += 'Connection: upgrade\r\n';
  else if (!keepAlive) head += 'Connection: close\r\n';
  else if (httpVersion === 10) head += 'Connection: keep-alive\r\n';
  if (!hasDate) head += 'Date: ' + (init.date ?? dateHeader()) + '\r\n';
  const tag = init.serverTag ?? 'lighttpd';
  if (tag !== '' && !hasServer) head += 'Server: ' + tag + '\r\n';
  head += '\r\n';
  return { head, framing, keepAlive };
}

const CRLF = Buffer.from('\r\n', 'latin1');

/** The terminating zero-size chunk (no trailers). */
export const LAST_CHUNK: Buffer = Buffer.from('0\r\n\r\n', 'latin1');

/** Frames one non-empty chunk as [size line, data, CRLF] for a gathered write (writev). */
export function encodeChunk(data: Buffer): Buffer[] {
  if (data.length === 0) return [];
  return [Buffer.from(data.length.toString(16) + '\r\n', 'latin1'), data, CRLF];
}
