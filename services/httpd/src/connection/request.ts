// One request and its response as the core and the plugins see it: lighttpd's request_st
// (src/request.h): the parsed head, the URI parts, the physical path, the per-request config
// (core snapshot and, lazily, the condition cache), the handler module and the response.
import type { Stats } from 'node:fs';
import type { ConfigSnapshot, ModuleConfig, RequestConditions } from '@libs/plugins';
import type { Condition } from '../config';
import type { RequestHead } from '../http/request-parser';
import type { HttpPlugin } from '../modules/http-plugin';
import type { StatEntry } from '../modules/stat-cache';
import type { CoreConfig } from '../server/core-config';
import type { HttpServer } from '../server/http-server';

/** A byte range of a file, streamed from disk when the response is written. */
export class FilePart {
  constructor(
    readonly path: string,
    readonly start: number,
    readonly length: number,
    /**
     * server.follow-symlink = "disable": the file checked when the response was built. The writer
     * opens `path` with O_NOFOLLOW and sends nothing unless the descriptor is this same file.
     */
    readonly guard: Stats | null = null,
  ) {}
}

export type BodyPart = Buffer | FilePart;

export class Request {
  /** r->uri.path: decoded and simplified (latin1 string of bytes). */
  url = '';
  queryString = '';
  /** the physical path below the document root ('' until mapped). */
  physicalPath = '';
  /** path-info after the file part of the physical path (lighttpd r->pathinfo). */
  pathInfo = '';
  docRoot = '';
  /** the stat of `physicalPath` once taken (null: not mapped yet). */
  fileStat: StatEntry | null = null;
  status = 0;
  /** response headers, flat [name, value, ...] in the order they are sent. */
  readonly responseHeaders: string[] = [];
  readonly body: BodyPart[] = [];
  bodyLength = 0;
  /** the response must close the connection (a body was not read, a stop is under way). */
  forceClose = false;
  /** The module that took the request in handleSubrequestStart (lighttpd r->handler_module). */
  handler: HttpPlugin | null = null;
  /** Where the request handling resumes (see connection/response.ts). */
  stage = 0;
  /** The status that sent the request to an error handler (0: none yet), and whether it was error-handler-404. */
  errorHandlerStatus = 0;
  errorHandler404 = false;
  inErrorHandler = false;
  savedContentRange: string | undefined = undefined;
  /**
   * Set by the module that built the response when the response is a function of the file's stat
   * entry, `conf` and this object (its own config snapshot): the serialized response may be reused.
   */
  wireKey: object | null = null;
  /** Set by `wait`: the I/O the request waits for (a plugin returned WaitForEvent). */
  pending: Promise<unknown> | null = null;
  private conds: RequestConditions<Condition, Request> | null = null;
  private stats: Map<string, StatEntry> | null = null;

  constructor(
    readonly server: HttpServer,
    readonly head: RequestHead,
    /** the core directives for this request (server.document-root, ...). */
    public conf: CoreConfig,
    readonly remoteIp: string,
    /** the listening socket's config key, for $SERVER["socket"]. */
    readonly serverSocket: string,
    readonly scheme: string,
  ) {}

  /** The request's condition cache, created on first use. */
  conditions(): RequestConditions<Condition, Request> {
    this.conds ??= this.server.conditions.forRequest(this);
    return this.conds;
  }

  /** A module's config as this request sees it (its defaults when no block patches it). */
  config(mc: ModuleConfig): ConfigSnapshot {
    return mc.patchCount === 0 ? mc.defaults : mc.snapshot(this.conditions());
  }

  /** A loaded module's config by name, for modules that did not keep their ModuleConfig. */
  moduleConfig(name: string): ConfigSnapshot {
    const mc = this.server.dispatcher.moduleConfig(name);
    return mc === undefined ? {} : this.config(mc);
  }

  /** Waits for I/O: return WaitForEvent after calling this; the hook runs again once it settled. */
  wait(io: Promise<unknown>): void {
    this.pending = io;
  }

  /**
   * The stat of a path from the stat cache or from an earlier wait of this request; null when it
   * is not known yet: a stat was started, return WaitForEvent.
   */
  stat(path: string): StatEntry | null {
    const e = this.server.statCache.get(path) ?? this.stats?.get(path);
    if (e !== undefined) return e;
    this.wait(
      this.server.statCache.stat(path).then((entry) => {
        this.stats ??= new Map();
        this.stats.set(path, entry);
      }),
    );
    return null;
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
