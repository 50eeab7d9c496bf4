// One request and its response, lighttpd 1.4.69's request_st (src/request.h): the parsed head, the
// URI parts, the physical path, the per-request config, the handler module, the request body queue
// and the response (status, headers, body queue). `Request` is what modules code against;
// `HttpRequest` adds what only the engine touches (state, error-handler bookkeeping, waits).
import type { ConfigSnapshot, ModuleConfig, RequestConditions } from '@libs/plugins';
import { HandlerResult } from '@libs/plugins';
import type { Condition } from '../config';
import type { RequestHead } from '../http/request-parser';
import { ChunkQueue, type Chunk } from './chunk-queue';
import type { CoreConfig } from './core-config';
import type { HttpPlugin } from './plugin';
import type { RequestEnv } from './request-env';
import { RequestState } from './request-state';
import type { StatEntry } from './stat-cache';

/** The request as modules see it. */
export interface Request {
  readonly env: RequestEnv;
  readonly head: RequestHead;
  /** The core directives for this request (server.document-root, ...). */
  readonly conf: CoreConfig;
  readonly remoteIp: string;
  /** The client's port and the local address and port the request came in on (CGI REMOTE_PORT, SERVER_ADDR, SERVER_PORT). */
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** The listening socket's config key, for $SERVER["socket"]. */
  readonly serverSocket: string;
  readonly scheme: string;
  /** r->uri.path: decoded and simplified (latin1 string of bytes); modules may rewrite it. */
  url: string;
  queryString: string;
  /** The physical path below the document root ('' until mapped). */
  physicalPath: string;
  /** Path-info after the file part of the physical path (lighttpd r->pathinfo). */
  pathInfo: string;
  docRoot: string;
  /** The stat of `physicalPath` once taken (null: not mapped yet). */
  fileStat: StatEntry | null;
  status: number;
  /** Response headers, flat [name, value, ...] in the order they are sent. */
  readonly responseHeaders: string[];
  /** The module that took the request in handleSubrequestStart (lighttpd r->handler_module). */
  handler: HttpPlugin | null;
  /**
   * The request body as it arrives (lighttpd r->reqbody_queue): `finished` once complete. Read it
   * after readBody() returned GoOn; take what you consumed (shift/takeAll/steal).
   */
  readonly reqBody: ChunkQueue;
  /** Content-Length of the request body, -1 while its length is unknown (chunked, or a tunnel's stream), 0 without one. */
  readonly reqBodyLength: number;
  /** The response body (lighttpd r->write_queue): append to it; `end()` or Finished ends it. */
  readonly respBody: ChunkQueue;
  /**
   * The handler has set status and headers and produces the body over several calls of
   * handleSubrequest (lighttpd r->resp_body_started): the head may be sent before the body ends.
   */
  respBodyStarted: boolean;
  /**
   * Set by a module whose response is a function of the file's stat entry, `conf` and this object
   * (its own config snapshot): the serialized response may be reused.
   */
  wireKey: object | null;
  /** upgrade() was called: the connection is a tunnel between the client and the handler. */
  readonly tunnel: boolean;
  conditions(): RequestConditions<Condition, Request>;
  config<T extends object>(mc: ModuleConfig<T>): Readonly<T>;
  moduleConfig(name: string): ConfigSnapshot;
  wait(io: Promise<unknown>): void;
  stat(path: string): StatEntry | null;
  header(name: string): string | undefined;
  setHeader(name: string, value: string): void;
  responseHeader(name: string): string | undefined;
  appendBody(part: Chunk): void;
  readonly bodyLength: number;
  resetResponse(): void;
  readBody(): HandlerResult;
  requestEnv(): HandlerResult;
  upgrade(): void;
}

/** The request body of every request that has none: empty and finished. */
const NO_BODY = new ChunkQueue();
NO_BODY.end();

/** The response queue below which a streaming handler is asked for more (lighttpd's 64k - 4k/16k marks). */
export const RESPONSE_LOW_WATER = 64 * 1024;

export class HttpRequest implements Request {
  /** Where the request is (lighttpd r->state); only the state machine changes it. */
  state: RequestState = RequestState.RequestStart;
  /** Set by the transport after construction (0 and '' where it has none). */
  remotePort = 0;
  localAddress = '';
  localPort = 0;
  url = '';
  queryString = '';
  physicalPath = '';
  pathInfo = '';
  docRoot = '';
  fileStat: StatEntry | null = null;
  status = 0;
  readonly responseHeaders: string[] = [];
  handler: HttpPlugin | null = null;
  /** A request without a body shares one finished, empty queue; the transport gives others their own. */
  reqBody: ChunkQueue = NO_BODY;
  readonly respBody = new ChunkQueue();
  respBodyStarted = false;
  wireKey: object | null = null;
  tunnel = false;
  /** The handler asked for the body (readBody): the transport reads it (else it waits). */
  bodyWanted = false;
  /** The transport's part of readBody (HTTP/1: "100 Continue"), called the first time. */
  onBodyWanted: (() => void) | null = null;
  /** The response must close the connection (a body was not read, a stop is under way). */
  forceClose = false;
  /** Where request handling resumes (see handle-request.ts). */
  stage = 0;
  /** The status that sent the request to an error handler (0: none yet), and whether it was error-handler-404. */
  errorHandlerStatus = 0;
  errorHandler404 = false;
  inErrorHandler = false;
  savedContentRange: string | undefined = undefined;
  /** The I/O the request waits for (a hook returned WaitForEvent after wait()). */
  pending: Promise<unknown> | null = null;
  private requestEnvDone = false;
  private conds: RequestConditions<Condition, Request> | null = null;
  private stats: Map<string, StatEntry> | null = null;

  constructor(
    readonly env: RequestEnv,
    readonly head: RequestHead,
    public conf: CoreConfig,
    readonly remoteIp: string,
    readonly serverSocket: string,
    readonly scheme: string,
  ) {}

  get reqBodyLength(): number {
    if (this.tunnel) return this.reqBody.finished ? this.reqBody.bytesIn : -1;
    return this.head.contentLength;
  }

  conditions(): RequestConditions<Condition, Request> {
    this.conds ??= this.env.conditionsFor(this);
    return this.conds;
  }

  /** A module's config as this request sees it (its defaults when no block patches it). */
  config<T extends object>(mc: ModuleConfig<T>): Readonly<T> {
    return mc.patchCount === 0 ? mc.defaults : mc.snapshot(this.conditions());
  }

  /** A loaded module's config by name, for modules that did not keep their ModuleConfig. */
  moduleConfig(name: string): ConfigSnapshot {
    const mc = this.env.moduleConfig(name);
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
    const cache = this.env.statCache;
    const e = cache.get(path) ?? this.stats?.get(path);
    if (e !== undefined) return e;
    this.wait(
      cache.stat(path).then((entry) => {
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

  appendBody(part: Chunk): void {
    this.respBody.append(part);
  }

  /** Bytes of response body produced so far. */
  get bodyLength(): number {
    return this.respBody.bytesIn;
  }

  /** Drops the response built so far (error pages, re-dispatch). */
  resetResponse(): void {
    this.responseHeaders.length = 0;
    this.respBody.reset();
    this.respBodyStarted = false;
  }

  /**
   * lighttpd's r->con->reqbody_read(r): asks the connection for the body. GoOn when the body may be
   * consumed now: it is complete, or server.stream-request-body streams it; WaitForEvent until
   * then (the handler runs again as it arrives).
   */
  readBody(): HandlerResult {
    if (!this.bodyWanted) {
      this.bodyWanted = true;
      this.onBodyWanted?.();
    }
    if (this.reqBody.finished || this.conf['server.stream-request-body'] !== 0) return HandlerResult.GoOn;
    return HandlerResult.WaitForEvent;
  }

  /**
   * lighttpd's http_response_upgrade_read_body_unknown, for a handler that answered 101 (with an
   * Upgrade header) or 200 to CONNECT and set respBodyStarted: the connection becomes a tunnel. The
   * request body becomes the client's bytes after the request, unframed, until the client ends its
   * side (reqBody.finished); the response body goes out unframed until the handler finishes it; both
   * stream (server.stream-request-body and server.stream-response-body 0 count as 2 here) and the
   * connection closes afterwards. The head carries "Connection: upgrade" when the response has an
   * Upgrade header (HTTP/1.1), else "Connection: close".
   */
  upgrade(): void {
    if (this.tunnel) return;
    this.tunnel = true;
    this.forceClose = true;
    this.bodyWanted = true;
    const conf = this.conf;
    if (conf['server.stream-request-body'] === 0 || conf['server.stream-response-body'] === 0) {
      this.conf = {
        ...conf,
        'server.stream-request-body': conf['server.stream-request-body'] || 2,
        'server.stream-response-body': conf['server.stream-response-body'] || 2,
      };
    }
    // a body that was complete goes on with the tunnel's bytes (lighttpd's reqbody_length = -2)
    if (this.reqBody.finished) {
      const q = new ChunkQueue();
      if (this.reqBody !== NO_BODY) q.steal(this.reqBody);
      this.reqBody = q;
    }
  }

  /** lighttpd's srv->request_env: modules fill in backend environment (handleRequestEnv), once per request. */
  requestEnv(): HandlerResult {
    if (this.requestEnvDone) return HandlerResult.GoOn;
    this.requestEnvDone = true;
    return this.env.callRequest('handleRequestEnv', this);
  }
}
