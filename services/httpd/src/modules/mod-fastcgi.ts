// mod_fastcgi (lighttpd 1.4.69 src/mod_fastcgi.c over src/gw_backend.c): requests whose path
// matches a fastcgi.server key go to a FastCGI responder on a unix socket or TCP. The key is
// checked on the URL path in uri_clean for check-local = "disable" (a "/prefix" key then splits
// PATH_INFO off at the next slash) and on the physical path in subrequest_start otherwise (the file
// exists: the engine answered 404 before). The request body goes out as FCGI_STDIN as it is read
// (the whole body first with server.stream-request-body = 0); the backend's STDOUT is a CGI head
// and the response body, taken into r.respBody only while it holds less than the engine's
// low-water mark, so a slow client slows the backend instead of growing memory. A key may list
// several backends: fastcgi.balance elects one per request (gateway/balance.ts); one that refuses
// or times out is disabled for disable-time seconds and the request goes to another (gw_reconnect);
// the 1-second trigger re-enables backends and ends requests past connect/read/write-timeout.
import { HandlerResult, type DirectiveSpec, type ModuleConfig } from '@libs/plugins';
import { ChunkQueue, FilePart } from '../core/chunk-queue';
import type { HttpPlugin } from '../core/plugin';
import { RESPONSE_LOW_WATER, type Request } from '../core/request';
import { GatewayBackends, monotonicSecs, type BackendState } from './gateway/backend-state';
import type { GatewayBalance } from './gateway/balance';
import { cgiEnvironment } from './gateway/cgi-env';
import { compileBalance, compileGatewayServers, matchExtension, type GatewayExtension } from './gateway/fastcgi-config';
import { FastcgiExchange } from './gateway/fastcgi-exchange';
import { readFilePart } from './gateway/read-part';
import { parseCgiHead } from './gateway/response-head';

export const FASTCGI_SPECS: readonly DirectiveSpec[] = Object.freeze([
  { key: 'fastcgi.server', type: 'array-kv-array', scope: 'connection', default: Object.freeze([]), parse: compileGatewayServers('fastcgi.server') },
  { key: 'fastcgi.map-extensions', type: 'array-kv-string', scope: 'connection', default: Object.freeze([]) },
  { key: 'fastcgi.debug', type: 'int', scope: 'connection', default: 0 },
  { key: 'fastcgi.balance', type: 'string', scope: 'connection', default: 'fair', parse: compileBalance('fastcgi.balance') },
]);

/** A request this module answers: where it goes and how far it got. */
interface Ctx {
  readonly ext: GatewayExtension;
  /** The elected backend, assigned (its load counts this request) until the backend is closed. */
  backend: BackendState;
  assigned: boolean;
  /** Connection attempts after the first (hctx->reconnects). */
  reconnects: number;
  envDone: boolean;
  exchange: FastcgiExchange | null;
  /** STDOUT before the end of the CGI head. */
  head: Buffer | null;
  /** A temp-file part of the request body is being read. */
  readingBody: boolean;
  failed: unknown;
}

/** FASTCGI_SPECS as request code reads them (fastcgi.server compiled at start-up). */
interface FastcgiConfig {
  readonly 'fastcgi.server': readonly GatewayExtension[];
  readonly 'fastcgi.map-extensions': ReadonlyArray<readonly [string, string]>;
  readonly 'fastcgi.debug': number;
  readonly 'fastcgi.balance': GatewayBalance;
}

export function createModFastcgi(): HttpPlugin {
  let mc: ModuleConfig<FastcgiConfig> | null = null;
  const ctxs = new WeakMap<Request, Ctx>();
  const backends = new GatewayBackends();

  /** gw_check_extension: the fastcgi.server key for `fn` (URL or physical path), or null. */
  function match(r: Request, fn: string): GatewayExtension | null {
    if (r.handler !== null || mc === null) return null;
    const conf = r.config(mc);
    const exts = conf['fastcgi.server'];
    if (exts.length === 0) return null;
    return matchExtension(exts, conf['fastcgi.map-extensions'], fn, r.url);
  }

  /** gw_host_get with this request's fastcgi.balance; null (having logged) when all are down. */
  function elect(r: Request, ext: GatewayExtension): BackendState | null {
    const balance = r.config(mc as ModuleConfig<FastcgiConfig>)['fastcgi.balance'];
    return backends.get(ext, balance, { path: r.url, query: r.queryString, authority: r.head.host, remoteIp: r.remoteIp }, r.env.log);
  }

  function take(self: HttpPlugin, r: Request, ext: GatewayExtension, backend: BackendState): HandlerResult {
    r.handler = self;
    backend.load++;
    ctxs.set(r, { ext, backend, assigned: true, reconnects: 0, envDone: false, exchange: null, head: null, readingBody: false, failed: null });
    return HandlerResult.GoOn;
  }

  /** gw_backend_close: the connection closed and the backend's load given back. */
  function closeBackend(ctx: Ctx): void {
    const x = ctx.exchange;
    if (x !== null) {
      x.close();
      ctx.backend.requests.delete(x);
      ctx.exchange = null;
    }
    if (ctx.assigned) {
      ctx.assigned = false;
      ctx.backend.load--;
    }
  }

  function release(r: Request): HandlerResult {
    const ctx = ctxs.get(r);
    if (ctx !== undefined) {
      closeBackend(ctx);
      ctxs.delete(r);
    }
    return HandlerResult.GoOn;
  }

  /** Path and query as lighttpd's gw log lines show them ("%s?%.*s"). */
  const where = (r: Request): string => `${r.url}?${r.queryString}`;

  /** gw_backend_error before the head: an error status with lighttpd's error page (handler_module = NULL). */
  function fail(r: Request, ctx: Ctx, status: number): HandlerResult {
    closeBackend(ctx);
    ctxs.delete(r);
    r.status = status;
    return HandlerResult.Finished;
  }

  /** FCGI_STDIN from r.reqBody as far as the socket takes it; its end once the body is complete. */
  function sendBody(r: Request, ctx: Ctx, x: FastcgiExchange): void {
    const body = r.reqBody;
    while (!ctx.readingBody && !x.stdinEnded && x.writable) {
      const c = body.peek();
      if (c === undefined) {
        if (body.finished) x.endStdin();
        return;
      }
      if (c instanceof Buffer) {
        body.shift();
        x.writeStdin(c);
        continue;
      }
      // a temp-file part: at most 64 KiB of it at a time, read before it is sent
      const piece = new ChunkQueue();
      piece.steal(body, Math.min(c.length, 64 * 1024));
      ctx.readingBody = true;
      readFilePart(piece.shift() as FilePart).then(
        (buf) => {
          ctx.readingBody = false;
          x.writeStdin(buf);
          sendBody(r, ctx, x);
        },
        (e: unknown) => {
          ctx.readingBody = false;
          ctx.failed = e;
          x.close();
        },
      );
      return;
    }
  }

  /** STDOUT into the response: the CGI head first, then body while the queue is below the mark. */
  function receive(r: Request, ctx: Ctx, x: FastcgiExchange): HandlerResult | null {
    if (x.outBytes === 0) return null;
    if (!r.respBodyStarted) {
      const parts = x.takeOut();
      const buf = ctx.head === null ? Buffer.concat(parts) : Buffer.concat([ctx.head, ...parts]);
      const head = parseCgiHead(buf, r.url);
      if (head.kind === 'more') {
        ctx.head = buf;
        x.resumeRead();
        return null;
      }
      if (head.kind === 'bad') {
        if (head.log !== null) r.env.log.error(head.log);
        return fail(r, ctx, 502);
      }
      ctx.head = null;
      // what paused the socket is taken: the backend may write again
      x.resumeRead();
      r.status = head.status === 0 ? 200 : head.status;
      for (let i = 0; i < head.headers.length; i += 2) r.responseHeaders.push(head.headers[i] as string, head.headers[i + 1] as string);
      r.respBodyStarted = true;
      if (head.bodyStart < buf.length) r.respBody.append(buf.subarray(head.bodyStart));
      // the engine asks again (produceMore), so a backend status of 4xx keeps its own body as in lighttpd
      return HandlerResult.WaitForEvent;
    }
    // streamed, the engine asks again below the low-water mark; with server.stream-response-body = 0
    // everything is taken and the engine moves the queue to temp files as it grows
    if (r.conf['server.stream-response-body'] !== 0 && r.respBody.memoryBytes > RESPONSE_LOW_WATER) return HandlerResult.WaitForEvent;
    for (const b of x.takeOut()) r.respBody.append(b);
    x.resumeRead();
    return null;
  }

  /** All backends of the key are down (gw_host_get returned NULL): 503 with the error page. */
  function unavailable(r: Request): HandlerResult {
    r.status = 503;
    return HandlerResult.Finished;
  }

  /**
   * gw_reconnect after a refused or timed-out connect: the backend closed and, within `limit`
   * attempts, another elected; 503 when none is up or the attempts are used up.
   */
  function reconnect(r: Request, ctx: Ctx, limit: number): HandlerResult {
    closeBackend(ctx);
    if (ctx.reconnects++ >= limit) return fail(r, ctx, 503);
    const backend = elect(r, ctx.ext);
    if (backend === null) return fail(r, ctx, 503);
    ctx.backend = backend;
    ctx.assigned = true;
    backend.load++;
    return subrequest(r);
  }

  /** gw_handle_trigger_hctx_timeout for read and write: 504 before the head, the connection cut after. */
  function timedOut(r: Request, ctx: Ctx, x: FastcgiExchange, kind: string): HandlerResult {
    r.env.log.error(`${kind} timeout on socket: ${x.host.name} (fd: ${x.fd})`);
    if (!r.respBodyStarted) return fail(r, ctx, 504);
    closeBackend(ctx);
    ctxs.delete(r);
    return HandlerResult.Error;
  }

  function subrequest(r: Request): HandlerResult {
    const ctx = ctxs.get(r);
    if (ctx === undefined) return HandlerResult.Finished;
    let x = ctx.exchange;
    if (x === null) {
      // gw_handle_subrequest: the whole body first unless it is streamed; a streamed chunked body has no CONTENT_LENGTH
      const rc = r.readBody();
      if (rc !== HandlerResult.GoOn) return rc;
      if (r.reqBodyLength < 0 && !r.reqBody.finished) return fail(r, ctx, 411);
      if (!ctx.envDone) {
        if (r.requestEnv() === HandlerResult.Error) return fail(r, ctx, 500);
        ctx.envDone = true;
      }
      x = new FastcgiExchange(ctx.backend.host, r.env.log);
      ctx.exchange = x;
      ctx.backend.requests.add(x);
    }
    if (ctx.failed !== null) {
      r.env.log.error(`reading the request body for ${x.host.name} failed: ${ctx.failed instanceof Error ? ctx.failed.message : String(ctx.failed)}`);
      return fail(r, ctx, 500);
    }
    if (x.connectError !== null || x.timedOut === 'connect') {
      // gw_proc_connect_error: a backend httpd-ts did not spawn is disabled for disable-time seconds;
      // a connect timeout is retried once only (the request already waited connect-timeout)
      r.env.log.error(`establishing connection failed: socket: ${x.host.name}: ${x.connectError ?? 'Connection timed out'}`);
      ctx.backend.disable(monotonicSecs());
      return reconnect(r, ctx, x.connectError !== null ? 5 : 1);
    }
    if (x.timedOut !== null) return timedOut(r, ctx, x, x.timedOut);
    if (!x.connected) {
      r.wait(x.next());
      return HandlerResult.WaitForEvent;
    }
    if (!x.begun) {
      const length = r.reqBodyLength >= 0 ? r.reqBodyLength : r.reqBody.bytesIn;
      x.begin(cgiEnvironment(r, x.host, length));
    }
    if (!x.stdinEnded) {
      if (r.reqBodyLength !== 0) r.readBody();
      sendBody(r, ctx, x);
    }
    const rc = receive(r, ctx, x);
    if (rc !== null) return rc;
    if (x.ended && x.outBytes === 0) {
      closeBackend(ctx);
      ctxs.delete(r);
      // a backend that answered with no STDOUT at all: lighttpd's http_response_backend_done gives 500
      if (!r.respBodyStarted) r.status = 500;
      return HandlerResult.Finished;
    }
    if (x.broken && !x.ended) {
      if (!r.respBodyStarted) {
        // gw_recv_response_error, then http_response_backend_done: 500 when nothing was sent yet
        r.env.log.error(`response not received, request sent: ${x.bytesSent} on socket: ${x.host.name} for ${where(r)}, closing connection`);
        return fail(r, ctx, 500);
      }
      r.env.log.error(`response already sent out, but backend returned error on socket: ${x.host.name} for ${where(r)}, terminating connection`);
      closeBackend(ctx);
      ctxs.delete(r);
      return HandlerResult.Error;
    }
    // the head is out and the backend waits for body the client has not sent: body input runs this
    // again (a wait on the backend would hide it from the engine while the response streams)
    if (r.respBodyStarted && !x.stdinEnded && !ctx.readingBody && x.writable && r.reqBody.isEmpty) return HandlerResult.WaitForEvent;
    r.wait(x.next());
    return HandlerResult.WaitForEvent;
  }

  return {
    name: 'mod_fastcgi',
    directives: FASTCGI_SPECS,
    setDefaults(ctx) {
      mc = ctx.config.typed<FastcgiConfig>();
      return HandlerResult.GoOn;
    },
    handleUriClean(r: Request): HandlerResult {
      const ext = match(r, r.url);
      if (ext === null) return HandlerResult.GoOn;
      // gw_check_extension elects here too, before check-local sends the request on to subrequest_start
      const backend = elect(r, ext);
      if (backend === null) return unavailable(r);
      const host = backend.host;
      if (host.checkLocal) return HandlerResult.GoOn;
      // a "/prefix" key: SCRIPT_NAME is the prefix up to the next slash, the rest PATH_INFO
      if (ext.key.startsWith('/')) {
        const elen = ext.key.length;
        if (elen === 1 && host.fixRootScriptname) {
          r.pathInfo = r.url;
          r.url = '';
        } else if (r.url.length > elen) {
          const slash = r.url.indexOf('/', elen);
          if (slash !== -1) {
            r.pathInfo = r.url.slice(slash);
            r.url = r.url.slice(0, slash);
          }
        }
      }
      return take(this as HttpPlugin, r, ext, backend);
    },
    handleSubrequestStart(r: Request): HandlerResult {
      const ext = match(r, r.physicalPath);
      if (ext === null) return HandlerResult.GoOn;
      const backend = elect(r, ext);
      return backend === null ? unavailable(r) : take(this as HttpPlugin, r, ext, backend);
    },
    handleSubrequest: subrequest,
    handleTrigger(srv) {
      backends.trigger(srv.log);
      return HandlerResult.GoOn;
    },
    handleRequestDone: release,
    handleRequestReset: release,
  };
}
