// The gateway core every backend module is made of, as lighttpd 1.4.69's gw_backend.c serves
// mod_fastcgi, mod_scgi and mod_proxy: the <prefix>.server / .balance / .debug / .map-extensions
// directives, the key a request belongs to (gw_check_extension: the URL path in uri_clean, where a
// "/prefix" key splits PATH_INFO off at the next slash; the physical path in subrequest_start when
// check-local is on, once the engine found the file), the election of a backend (balance,
// disable-time), the request body sent as it is read (the whole body first with
// server.stream-request-body = 0) with backpressure both ways, reconnecting to another backend after
// a refused or timed-out connect (gw_reconnect), the 1-second trigger that re-enables backends and
// ends requests past connect/read/write-timeout, the statistics mod_status shows, and the
// <prefix>.debug log lines of a backend httpd-ts did not spawn ("gw - found a host", "got proc",
// "released proc"). A protocol
// module brings its codec: how to connect, the request head it sends, and how to read the answer.
import { HandlerResult, pluginsErrDirectiveType, type DirectiveSpec, type ModuleConfig, type TypedValue } from '@libs/plugins';
import { ChunkQueue, FilePart } from '../../core/chunk-queue';
import type { HttpPlugin } from '../../core/plugin';
import type { Request } from '../../core/request';
import { authorizerOk } from './authorizer';
import { BackendSpawner } from './backend-spawner';
import { GatewayBackends, monotonicSecs, type BackendState } from './backend-state';
import type { GatewayBalance } from './balance';
import { compileBalance, compileGatewayServers, matchExtension, type GatewayExtension, type GatewayHost } from './gateway-config';
import type { GatewayExchange } from './gateway-exchange';
import type { GatewayEnd, GatewayResponse } from './gateway-response';
import { gatewayStatistics } from './gateway-statistics';
import { readFilePart } from './read-part';
import { omitResponseHeaders, startXSendfile } from './x-sendfile';

/** A backend protocol over the core: its names, its own directives and its codec. */
export interface GatewayProtocol<C extends object, X extends GatewayExchange> {
  /** The server.modules name ("mod_fastcgi"). */
  readonly name: string;
  /** The directives' and statistics' prefix: "fastcgi", "scgi" or "proxy". */
  readonly prefix: string;
  /** Directives beyond <prefix>.server, .balance, .debug and .map-extensions. */
  readonly directives: readonly DirectiveSpec[];
  /**
   * The backend gets a CGI environment (FastCGI, SCGI): handleRequestEnv runs first, and a chunked
   * body that streams is refused with 411 since CONTENT_LENGTH must be known (gw_handle_subrequest).
   */
  readonly cgi: boolean;
  /** check-local is honoured; false for mod_proxy (gw_exts_clear_check_local, uri_clean only). */
  readonly checkLocal: boolean;
  /** The protocol honours the keep-conn host key (FastCGI); else the key stops the start. */
  readonly keepConn?: boolean;
  /** Opens a connection to the elected backend, or takes a kept-alive one unless `fresh`. */
  connect(host: GatewayHost, r: Request, fresh: boolean): X;
  /** The server stops: kept-alive connections are closed. */
  cleanup?(): void;
  /** Hosts may be "mode" => "authorizer" (FastCGI's FCGI_AUTHORIZER role); else that mode stops the start. */
  readonly authorizer?: boolean;
  /**
   * Once connected: sends the request's head (as an authorizer's, `authorizer`: no body, the
   * authorizer's environment); the reader of the answer, or a status to fail with.
   */
  begin(r: Request, x: X, conf: Readonly<C>, authorizer: boolean): GatewayResponse<X> | number;
}

/** The directives every gateway has, as request code reads them. */
interface CoreConfig {
  readonly server: readonly GatewayExtension[];
  readonly balance: GatewayBalance;
  readonly debug: boolean;
  readonly mapExtensions: ReadonlyArray<readonly [string, string]>;
}

/** A request a gateway answers, where it goes and how far it got (lighttpd's gw_handler_ctx). */
interface HandlerCtx<X extends GatewayExchange> {
  readonly ext: GatewayExtension;
  /** <prefix>.debug as the request was taken (hctx->conf.debug). */
  readonly debug: boolean;
  /** The elected backend, assigned (its load counts this request) until the backend is closed. */
  backend: BackendState;
  assigned: boolean;
  /** Connection attempts after the first (hctx->reconnects). */
  reconnects: number;
  envDone: boolean;
  exchange: X | null;
  /** The reader of the answer, once the request went out on `exchange`. */
  response: GatewayResponse<X> | null;
  /** A temp-file part of the request body is being read. */
  readingBody: boolean;
  /** Request body bytes went out: the request cannot be sent again on another connection. */
  bodySent: boolean;
  /** The next connection must be a new one (a kept-alive one turned out closed). */
  fresh: boolean;
  failed: unknown;
}

/** A request body is sent on in pieces of at most this much of a temp file. */
const FILE_PIECE = 64 * 1024;

export function createGatewayPlugin<C extends object, X extends GatewayExchange>(protocol: GatewayProtocol<C, X>): HttpPlugin {
  const { prefix } = protocol;
  const serverKey = `${prefix}.server`;
  const balanceKey = `${prefix}.balance`;
  const mapKey = `${prefix}.map-extensions`;
  const debugKey = `${prefix}.debug`;
  let mc: ModuleConfig<C> | null = null;
  const ctxs = new WeakMap<Request, HandlerCtx<X>>();
  const backends = new GatewayBackends();
  /** bin-path backends (mod_scgi runs bin-path through /bin/sh as upstream's sh_exec). */
  const spawner = new BackendSpawner(prefix === 'scgi');
  /** Every <prefix>.server value compiled at start-up, conditional blocks included, for the statistics. */
  const configured: GatewayExtension[] = [];
  /** Requests sent to a backend (lighttpd's "<prefix>.requests"). */
  let requestsSent = 0;

  const compileServers = compileGatewayServers(serverKey, protocol.checkLocal, protocol.cgi, protocol.authorizer === true);
  /** Requests an authorizer of this module let through: its authorizers are not asked again (hctx->ext_auth). */
  const authorized = new WeakSet<Request>();
  const directives: readonly DirectiveSpec[] = Object.freeze([
    {
      key: serverKey,
      type: 'array-kv-array',
      scope: 'connection',
      default: Object.freeze([]),
      parse: (value: TypedValue, where: string) => {
        const exts = compileServers(value, where);
        if (protocol.keepConn !== true && exts.some((e) => e.hosts.some((h) => h.keepConn))) {
          throw pluginsErrDirectiveType(serverKey, '"keep-conn" is available for fastcgi.server only', where);
        }
        configured.push(...exts);
        return exts;
      },
    },
    { key: balanceKey, type: 'string', scope: 'connection', default: 'fair', parse: compileBalance(balanceKey) },
    { key: debugKey, type: 'int', scope: 'connection', default: 0 },
    { key: mapKey, type: 'array-kv-string', scope: 'connection', default: Object.freeze([]) },
    ...protocol.directives,
  ]);

  /** The snapshot's core directives (their keys carry the protocol's prefix). */
  function core(r: Request): CoreConfig {
    const conf = r.config(mc as ModuleConfig<C>) as Readonly<Record<string, unknown>>;
    return {
      server: conf[serverKey] as readonly GatewayExtension[],
      balance: conf[balanceKey] as GatewayBalance,
      debug: (conf[debugKey] as number) !== 0,
      mapExtensions: conf[mapKey] as ReadonlyArray<readonly [string, string]>,
    };
  }

  /** gw_check_extension: the key for `fn` (URL or physical path), or null. */
  function match(r: Request, fn: string): GatewayExtension | null {
    if (r.handler !== null || mc === null) return null;
    const conf = core(r);
    if (conf.server.length === 0) return null;
    // the authorizers' keys first, unless one of them already let this request through
    const auth = authorized.has(r) ? null : matchExtension(conf.server, conf.mapExtensions, fn, r.url, true);
    return auth ?? matchExtension(conf.server, conf.mapExtensions, fn, r.url);
  }

  /** gw_host_get with this request's balance; null (having logged) when all are down. */
  function elect(r: Request, ext: GatewayExtension): BackendState | null {
    const conf = core(r);
    const backend = backends.get(ext, conf.balance, { path: r.url, query: r.queryString, authority: r.head.host, remoteIp: r.remoteIp }, r.env.log);
    if (backend !== null && conf.debug) {
      const h = backend.host;
      r.env.log.error(`gw - found a host ${h.socketPath === null ? h.host : ''} ${h.port}`);
    }
    return backend;
  }

  function take(self: HttpPlugin, r: Request, ext: GatewayExtension, backend: BackendState): HandlerResult {
    r.handler = self;
    backend.load++;
    ctxs.set(r, { ext, debug: core(r).debug, backend, assigned: true, reconnects: 0, envDone: false, exchange: null, response: null, readingBody: false, bodySent: false, fresh: false, failed: null });
    return HandlerResult.GoOn;
  }

  /** gw_backend_close: the connection closed and the backend's load given back. */
  function closeBackend(r: Request, ctx: HandlerCtx<X>): void {
    const x = ctx.exchange;
    if (x !== null) {
      x.close();
      ctx.backend.requests.delete(x);
      ctx.exchange = null;
      ctx.response = null;
      // gw_proc_release (pid 0: a backend httpd-ts did not spawn)
      if (ctx.debug) r.env.log.error(`released proc: pid: 0 socket: ${x.host.name} load: ${ctx.backend.requests.size}`);
    }
    if (ctx.assigned) {
      ctx.assigned = false;
      ctx.backend.load--;
    }
  }

  function release(r: Request): HandlerResult {
    const ctx = ctxs.get(r);
    if (ctx !== undefined) {
      closeBackend(r, ctx);
      ctxs.delete(r);
    }
    return HandlerResult.GoOn;
  }

  /** gw_backend_error before the head: an error status with lighttpd's error page (handler_module = NULL). */
  function fail(r: Request, ctx: HandlerCtx<X>, status: number): HandlerResult {
    closeBackend(r, ctx);
    ctxs.delete(r);
    r.status = status;
    return HandlerResult.Finished;
  }

  /** The ways a response reader ends this request. */
  function ending(r: Request, ctx: HandlerCtx<X>): GatewayEnd {
    const finish = (rc: HandlerResult): HandlerResult => {
      closeBackend(r, ctx);
      ctxs.delete(r);
      return rc;
    };
    return {
      fail: (status) => fail(r, ctx, status),
      done: () => finish(HandlerResult.Finished),
      abort: () => finish(HandlerResult.Error),
      authorized: (variables) => {
        finish(HandlerResult.Comeback);
        authorized.add(r);
        return authorizerOk(r, variables);
      },
      where: `${r.url}?${r.queryString}`,
    };
  }

  /** The request body from r.reqBody as far as the socket takes it; its end once the body is complete. */
  function sendBody(r: Request, ctx: HandlerCtx<X>, x: X): void {
    const body = r.reqBody;
    while (!ctx.readingBody && !x.bodyEnded && x.writable) {
      const c = body.peek();
      if (c === undefined) {
        if (body.finished) x.endBody();
        return;
      }
      ctx.bodySent = true;
      if (c instanceof Buffer) {
        body.shift();
        x.writeBody(c);
        continue;
      }
      // a temp-file part: a piece of it at a time, read before it is sent
      const piece = new ChunkQueue();
      piece.steal(body, Math.min(c.length, FILE_PIECE));
      ctx.readingBody = true;
      readFilePart(piece.shift() as FilePart).then(
        (buf) => {
          ctx.readingBody = false;
          x.writeBody(buf);
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

  /** All backends of the key are down (gw_host_get returned NULL): 503 with the error page. */
  function unavailable(r: Request): HandlerResult {
    r.status = 503;
    return HandlerResult.Finished;
  }

  /**
   * gw_reconnect after a refused or timed-out connect: the backend closed and, within `limit`
   * attempts, another elected; 503 when none is up or the attempts are used up.
   */
  function reconnect(r: Request, ctx: HandlerCtx<X>, limit: number): HandlerResult {
    closeBackend(r, ctx);
    if (ctx.reconnects++ >= limit) return fail(r, ctx, 503);
    const backend = elect(r, ctx.ext);
    if (backend === null) return fail(r, ctx, 503);
    ctx.backend = backend;
    ctx.assigned = true;
    backend.load++;
    return subrequest(r);
  }

  /** gw_handle_trigger_hctx_timeout for read and write: 504 before the head, the connection cut after. */
  function timedOut(r: Request, ctx: HandlerCtx<X>, x: X, kind: string): HandlerResult {
    r.env.log.error(`${kind} timeout on socket: ${x.host.name} (fd: ${x.fd})`);
    if (!r.respBodyStarted) return fail(r, ctx, 504);
    closeBackend(r, ctx);
    ctxs.delete(r);
    return HandlerResult.Error;
  }

  function subrequest(r: Request): HandlerResult {
    const ctx = ctxs.get(r);
    if (ctx === undefined || mc === null) return HandlerResult.Finished;
    let x = ctx.exchange;
    if (x === null) {
      // gw_handle_subrequest: the whole body first unless it is streamed; an authorizer gets none
      const rc = ctx.ext.authorizer ? HandlerResult.GoOn : r.readBody();
      if (rc !== HandlerResult.GoOn) return rc;
      if (protocol.cgi) {
        // a streamed chunked body has no CONTENT_LENGTH
        if (r.reqBodyLength < 0 && !r.reqBody.finished && !ctx.ext.authorizer) return fail(r, ctx, 411);
        if (!ctx.envDone) {
          if (r.requestEnv() === HandlerResult.Error) return fail(r, ctx, 500);
          ctx.envDone = true;
        }
      }
      // a spawned backend: its least loaded running process (gw_write_request; none: elect again)
      const target = ctx.backend.target();
      if (target === null) return reconnect(r, ctx, 5);
      x = protocol.connect(target, r, ctx.fresh);
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
      ctx.backend.connectFailed(monotonicSecs(), x.connectErrorCode === 'EAGAIN', x.host, r.env.log);
      return reconnect(r, ctx, x.connectError !== null ? 5 : 1);
    }
    if (x.lostKept && !ctx.bodySent) {
      // the backend had closed the kept-alive connection: the request goes out again on a new one
      closeBackend(r, ctx);
      ctx.assigned = true;
      ctx.backend.load++;
      ctx.exchange = null;
      ctx.fresh = true;
      return subrequest(r);
    }
    if (x.timedOut !== null) return timedOut(r, ctx, x, x.timedOut);
    if (!x.connected) {
      r.wait(x.next());
      return HandlerResult.WaitForEvent;
    }
    let response = ctx.response;
    if (response === null) {
      // gw_proc_connect_success, then the protocol's create_env
      ctx.backend.connected++;
      if (ctx.debug) r.env.log.error(`got proc: pid: 0 socket: ${x.host.name} load: ${ctx.backend.requests.size}`);
      const begun = protocol.begin(r, x, r.config(mc), ctx.ext.authorizer);
      if (typeof begun === 'number') return fail(r, ctx, begun);
      requestsSent++;
      response = ctx.response = begun;
    }
    if (ctx.ext.authorizer) {
      // the body stays with the client until the authorizer answered; without one, STDIN ends at once (fcgi_stdin_append)
      if (r.reqBodyLength === 0 && !x.bodyEnded) x.endBody();
    } else if (!x.bodyEnded) {
      if (r.reqBodyLength !== 0) r.readBody();
      sendBody(r, ctx, x);
    }
    const headless = !r.respBodyStarted;
    const rc = response.read(r, x, ending(r, ctx));
    if (headless && r.respBodyStarted && (rc === null || rc === HandlerResult.WaitForEvent)) {
      // the backend's head is in: X-Sendfile (the backend is done with), then headers never sent on
      const file = startXSendfile(r, x.host, prefix === 'fastcgi');
      omitResponseHeaders(r);
      if (file !== null) {
        closeBackend(r, ctx);
        ctxs.delete(r);
        r.wait(file);
        return HandlerResult.WaitForEvent;
      }
    }
    if (rc !== null) return rc;
    // the head is out and the backend waits for body the client has not sent: body input runs this
    // again (a wait on the backend would hide it from the engine while the response streams)
    if (r.respBodyStarted && !ctx.ext.authorizer && !x.bodyEnded && !ctx.readingBody && x.writable && r.reqBody.isEmpty) return HandlerResult.WaitForEvent;
    r.wait(x.next());
    return HandlerResult.WaitForEvent;
  }

  const plugin: HttpPlugin = {
    name: protocol.name,
    directives,
    setDefaults(ctx) {
      mc = ctx.config.typed<C>();
      backends.register(configured.splice(0));
      return HandlerResult.GoOn;
    },
    workerInit(srv) {
      srv.publishStatus(protocol.name, () => ({ statistics: gatewayStatistics(prefix, backends.all(), requestsSent) }));
      if (!BackendSpawner.needed(backends.all())) return HandlerResult.GoOn;
      // lighttpd spawns in its main process before forking workers, which only connect; httpd-ts's
      // workers are processes of their own, and would each spawn the same sockets
      if (srv.watcherWorker) {
        srv.log.error(`${serverKey} "bin-path" with server.max-worker is not available in this version of httpd-ts: run the backend outside httpd-ts (php-fpm, spawn-fcgi, a systemd unit) and name its "socket"`);
        return HandlerResult.Error;
      }
      return spawner.start(backends.all(), srv) ? HandlerResult.GoOn : HandlerResult.Error;
    },
    handleUriClean(r: Request): HandlerResult {
      const ext = match(r, r.url);
      if (ext === null) return HandlerResult.GoOn;
      // gw_check_extension elects here too, before check-local sends the request on to subrequest_start
      const backend = elect(r, ext);
      if (backend === null) return unavailable(r);
      const host = backend.host;
      if (host.checkLocal) return HandlerResult.GoOn;
      // a "/prefix" key: SCRIPT_NAME is the prefix up to the next slash, the rest PATH_INFO (not for an authorizer)
      if (ext.key.startsWith('/') && !ext.authorizer) {
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
      return take(plugin, r, ext, backend);
    },
    handleSubrequest: subrequest,
    handleTrigger(srv) {
      backends.trigger(srv.log);
      spawner.trigger();
      return HandlerResult.GoOn;
    },
    handleWaitpid(_srv, pid, status) {
      return spawner.waitpid(pid, status) ? HandlerResult.Finished : HandlerResult.GoOn;
    },
    handleRequestDone: release,
    handleRequestReset: release,
    cleanup() {
      spawner.stop();
      protocol.cleanup?.();
    },
  };
  if (protocol.checkLocal) {
    plugin.handleSubrequestStart = (r: Request): HandlerResult => {
      const ext = match(r, r.physicalPath);
      if (ext === null) return HandlerResult.GoOn;
      const backend = elect(r, ext);
      return backend === null ? unavailable(r) : take(plugin, r, ext, backend);
    };
  }
  return plugin;
}
