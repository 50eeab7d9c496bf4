// One request and its response as the handlers see it: lighttpd's request_st (src/request.h):
// the parsed head, the URI parts, the physical path, the config snapshot and the response
// (status, headers, body parts) that the connection writes.
import type { RequestHead } from '../http/request-parser';
import type { RequestConfig } from '../server/request-config';
import type { ConditionInput } from '../server/config-snapshots';
import type { StatEntry } from '../modules/stat-cache';

/** A byte range of a file, streamed from disk when the response is written. */
export class FilePart {
  constructor(
    readonly path: string,
    readonly start: number,
    readonly length: number,
  ) {}
}

export type BodyPart = Buffer | FilePart;

export class Request implements ConditionInput {
  /** r->uri.path: decoded and simplified (latin1 string of bytes). */
  url = '';
  queryString = '';
  /** the physical path below the document root ('' until mapped). */
  physicalPath = '';
  /** path-info after the file part of the physical path (lighttpd r->pathinfo). */
  pathInfo = '';
  docRoot = '';
  /** the stat of `physicalPath` once taken (null: not mapped or missing). */
  fileStat: StatEntry | null = null;
  status = 0;
  /** response headers, flat [name, value, ...] in the order they are sent. */
  readonly responseHeaders: string[] = [];
  readonly body: BodyPart[] = [];
  bodyLength = 0;
  /** set once an error handler re-dispatch happened (never twice). */
  errorHandlerStatus = 0;
  /** the response must close the connection (a body was not read, a stop is under way). */
  forceClose = false;

  constructor(
    readonly head: RequestHead,
    public config: RequestConfig,
    readonly remoteIp: string,
    readonly serverSocket: string,
    readonly scheme: string,
  ) {}

  get host(): string {
    return this.head.host;
  }

  get requestMethod(): string {
    return this.head.method;
  }

  /** A request header by lower-case name (the first one). */
  header(name: string): string | undefined {
    const h = this.head.headers;
    for (let i = 0; i < h.length; i += 2) if (h[i] === name) return h[i + 1];
    return undefined;
  }

  setHeader(name: string, value: string): void {
    const h = this.responseHeaders;
    for (let i = 0; i < h.length; i += 2) {
      if (h[i] === name) {
        h[i + 1] = value;
        return;
      }
    }
    h.push(name, value);
  }

  responseHeader(name: string): string | undefined {
    const h = this.responseHeaders;
    for (let i = 0; i < h.length; i += 2) if (h[i] === name) return h[i + 1];
    return undefined;
  }

  appendBody(part: BodyPart): void {
    this.body.push(part);
    this.bodyLength += part.length;
  }

  /** Drops the response built so far (error pages, re-dispatch). */
  resetResponse(): void {
    this.responseHeaders.length = 0;
    this.body.length = 0;
    this.bodyLength = 0;
  }
}
