// mod_proxy (lighttpd 1.4.69 src/mod_proxy.c over src/gw_backend.c): requests whose URL path
// matches a proxy.server key (a "/prefix", an extension, or "" for all) go to an HTTP backend on a
// unix socket or TCP, matched in uri_clean (check-local is always off for proxy). The request goes
// out as HTTP/1.1 with "Connection: close" (gateway/proxy-request.ts), its body as it is read (the
// whole body first with server.stream-request-body = 0, chunk-encoded when a chunked body streams);
// the backend's head is parsed as lighttpd's BACKEND_PROXY head and its body (Content-Length,
// chunked, or up to the close) taken into r.respBody only while it holds less than the engine's
// low-water mark, so a slow client slows the backend instead of growing memory. proxy.header's
// maps rewrite the request line, Host and URI headers on the way in and back on the way out.
import { HandlerResult, type DirectiveSpec, type ModuleConfig } from '@libs/plugins';
import { ChunkQueue, FilePart } from '../core/chunk-queue';
import type { HttpPlugin } from '../core/plugin';
import { RESPONSE_LOW_WATER, type Request } from '../core/request';
import { ChunkedDecoder } from './gateway/chunked-decoder';
import { HeaderRemap } from './gateway/header-remap';
import { matchExtension, type GatewayHost } from './gateway/fastcgi-config';
import { HttpExchange } from './gateway/http-exchange';
import { parseHttpHead } from './gateway/http-response-head';
import { parseProxyBalance, parseProxyForwarded, parseProxyHeader, parseProxyServer, type ProxyExtension, type ProxyHeaderOpts } from './gateway/proxy-config';
import { buildProxyRequest } from './gateway/proxy-request';
import { readFilePart } from './gateway/read-part';

const NO_HEADER_OPTS: ProxyHeaderOpts = Object.freeze({ forceHttp10: false, remap: Object.freeze({ urlpaths: null, hostsRequest: null, hostsResponse: null }) });

export const PROXY_SPECS: readonly DirectiveSpec[] = Object.freeze([
  { key: 'proxy.server', type: 'array-kv-array', scope: 'connection', default: Object.freeze([]), parse: parseProxyServer },
  { key: 'proxy.balance', type: 'string', scope: 'connection', default: 'fair', parse: parseProxyBalance },
  { key: 'proxy.debug', type: 'int', scope: 'connection', default: 0 },
  { key: 'proxy.map-extensions', type: 'array-kv-string', scope: 'connection', default: Object.freeze([]) },
  { key: 'proxy.forwarded', type: 'array-kv-any', scope: 'connection', default: 0, parse: parseProxyForwarded },
  { key: 'proxy.header', type: 'array-kv-any', scope: 'connection', default: NO_HEADER_OPTS, parse: parseProxyHeader },
  { key: 'proxy.replace-http-host', type: 'boolean', scope: 'connection', default: false },
]);

/** PROXY_SPECS as request code reads them (compiled at start-up). */
interface ProxyConfig {
  readonly 'proxy.server': readonly ProxyExtension[];
  readonly 'proxy.balance': string;
  readonly 'proxy.debug': number;
  readonly 'proxy.map-extensions': ReadonlyArray<readonly [string, string]>;
  readonly 'proxy.forwarded': number;
  readonly 'proxy.header': ProxyHeaderOpts;
  readonly 'proxy.replace-http-host': boolean;
}

/** A request this module answers: where it goes and how far it got. */
interface Ctx {
  readonly ext: ProxyExtension;
  readonly host: GatewayHost;
  /** The host's label, for proxy.replace-http-host. */
  readonly hostId: string;
  exchange: HttpExchange | null;
  /** The request body goes out chunk-encoded (a chunked body that streams). */
  chunkedOut: boolean;
  bodySent: boolean;
  /** A temp-file part of the request body is being read. */
  readingBody: boolean;
  failed: unknown;
  /** Bytes of the response head received so far. */
  head: Buffer | null;
  /** Response body bytes still due by Content-Length (-1: chunked or up to the close). */
  remaining: number;
  decoder: ChunkedDecoder | null;
  /** proxy.header's maps for this request (null: none set). */
  remap: HeaderRemap | null;
}

/** Extension keys whose "all handlers ... are down" line was written (lighttpd's note_is_sent). */
const noteSent = new WeakSet<ProxyExtension>();

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

export function createModProxy(): HttpPlugin {
  let mc: ModuleConfig<ProxyConfig> | null = null;
  const ctxs = new WeakMap<Request, Ctx>();

  function release(r: Request): HandlerResult {
    const ctx = ctxs.get(r);
    if (ctx !== undefined) {
      ctx.exchange?.close();
      ctxs.delete(r);
    }
    return HandlerResult.GoOn;
  }

  /** Path and query as lighttpd's gw log lines show them ("%s?%.*s"). */
  const where = (r: Request): string => `${r.url}?${r.queryString}`;

  /** gw_backend_error before the head: an error status with lighttpd's error page. */
  function fail(r: Request, ctx: Ctx, status: number): HandlerResult {
    ctx.exchange?.close();
    ctxs.delete(r);
    r.status = status;
    return HandlerResult.Finished;
  }

  /** Writes one piece of request body, chunk-framed as proxy_stdin_append when the body streams chunked. */
  function writeBody(ctx: Ctx, x: HttpExchange, b: Buffer): void {
    if (ctx.chunkedOut) x.write(Buffer.from(`${b.length.toString(16)}\r\n`, 'latin1'));
    x.write(b);
    if (ctx.chunkedOut) x.write(CRLF);
  }

  /** The request body from r.reqBody as far as the socket takes it; its end once the body is complete. */
  function sendBody(r: Request, ctx: Ctx, x: HttpExchange): void {
    const body = r.reqBody;
    while (!ctx.readingBody && !ctx.bodySent && x.writable) {
      const c = body.peek();
      if (c === undefined) {
        if (body.finished) {
          ctx.bodySent = true;
          if (ctx.chunkedOut) x.write(LAST_CHUNK);
        }
        return;
      }
      if (c instanceof Buffer) {
        body.shift();
        writeBody(ctx, x, c);
        continue;
      }
      // a temp-file part: at most 64 KiB of it at a time, read before it is sent
      const piece = new ChunkQueue();
      piece.steal(body, Math.min(c.length, 64 * 1024));
      ctx.readingBody = true;
      readFilePart(piece.shift() as FilePart).then(
        (buf) => {
          ctx.readingBody = false;
          writeBody(ctx, x, buf);
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

  /**
   * A chunked body the backend broke: lighttpd 1.4.69 logs it (gw_backend_error after
   * resp_body_started) and ends the response with the body received so far.
   */
  function badBody(r: Request, ctx: Ctx): HandlerResult {
    r.env.log.error(`response already sent out, but backend returned error on socket: ${ctx.host.name} for ${where(r)}, terminating connection`);
    release(r);
    return HandlerResult.Finished;
  }

  /**
   * The backend closed before its Content-Length or last chunk. Streamed, the head is out: the
   * connection ends, so the client sees the body cut short as behind lighttpd (which logs nothing).
   * Buffered (stream-response-body = 0), nothing went out yet: 502. lighttpd sends the partial body
   * there under the backend's Content-Length, which this engine replaces by the length it has.
   */
  function cutShort(r: Request, ctx: Ctx): HandlerResult {
    if (r.conf['server.stream-response-body'] === 0) {
      r.resetResponse();
      return fail(r, ctx, 502);
    }
    release(r);
    return HandlerResult.Error;
  }

  /** Body bytes from the backend into r.respBody, by its framing; false when the framing is broken. */
  function appendBody(r: Request, ctx: Ctx, b: Buffer): boolean {
    if (ctx.decoder !== null) {
      for (const piece of ctx.decoder.execute(b)) r.respBody.append(piece);
      return ctx.decoder.error === null;
    }
    if (ctx.remaining >= 0) {
      // bytes past Content-Length are dropped (the backend closes after them anyway)
      const n = Math.min(ctx.remaining, b.length);
      r.respBody.append(n === b.length ? b : b.subarray(0, n));
      ctx.remaining -= n;
      return true;
    }
    r.respBody.append(b);
    return true;
  }

  /** The body ended by its framing (Content-Length reached, last chunk read). */
  const bodyComplete = (ctx: Ctx): boolean => (ctx.decoder !== null ? ctx.decoder.done : ctx.remaining === 0);

  /** The response head from what the backend sent; null while it is incomplete. */
  function receiveHead(r: Request, ctx: Ctx, x: HttpExchange): HandlerResult | null {
    const parts = x.take();
    const buf = ctx.head === null ? Buffer.concat(parts) : Buffer.concat([ctx.head, ...parts]);
    const head = parseHttpHead(buf, r.url);
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
    r.status = head.status;
    const remap = ctx.remap !== null && ctx.remap.onResponse ? ctx.remap : null;
    for (let i = 0; i < head.headers.length; i += 2) {
      const name = head.headers[i] as string;
      let value = head.headers[i + 1] as string;
      // proxy_response_headers: Location, Content-Location and Set-Cookie mapped back
      if (remap !== null) {
        const lower = name.toLowerCase();
        if (lower === 'location' || lower === 'content-location') value = remap.uri(value, false);
        else if (lower === 'set-cookie') value = remap.setCookie(value);
      }
      r.responseHeaders.push(name, value);
    }
    r.respBodyStarted = true;
    // HEAD, 204 and 304 have no body whatever the head says (RFC 9112 6.3)
    const none = r.head.method === 'HEAD' || head.status === 204 || head.status === 304;
    ctx.remaining = none ? 0 : head.contentLength;
    ctx.decoder = none || !head.chunked ? null : new ChunkedDecoder();
    if (head.bodyStart < buf.length && !appendBody(r, ctx, buf.subarray(head.bodyStart))) return badBody(r, ctx);
    x.resumeRead();
    return HandlerResult.WaitForEvent;
  }

  return {
    name: 'mod_proxy',
    directives: PROXY_SPECS,
    setDefaults(ctx) {
      mc = ctx.config.typed<ProxyConfig>();
      return HandlerResult.GoOn;
    },
    handleUriClean(r: Request): HandlerResult {
      if (r.handler !== null || mc === null) return HandlerResult.GoOn;
      const conf = r.config(mc);
      const exts = conf['proxy.server'];
      if (exts.length === 0) return HandlerResult.GoOn;
      const ext = matchExtension(exts, conf['proxy.map-extensions'], r.url, r.url) as ProxyExtension | null;
      if (ext === null) return HandlerResult.GoOn;
      r.handler = this as HttpPlugin;
      ctxs.set(r, {
        ext,
        host: ext.hosts[0] as GatewayHost,
        hostId: ext.hostIds[0] ?? '',
        exchange: null,
        chunkedOut: false,
        bodySent: false,
        readingBody: false,
        failed: null,
        head: null,
        remaining: -1,
        decoder: null,
        remap: null,
      });
      return HandlerResult.GoOn;
    },
    handleSubrequest(r: Request): HandlerResult {
      const ctx = ctxs.get(r);
      if (ctx === undefined || mc === null) return HandlerResult.Finished;
      let x = ctx.exchange;
      if (x === null) {
        // gw_handle_subrequest: the whole body first unless it is streamed
        const rc = r.readBody();
        if (rc !== HandlerResult.GoOn) return rc;
        x = new HttpExchange(ctx.host);
        ctx.exchange = x;
      }
      if (ctx.failed !== null) {
        r.env.log.error(`reading the request body for ${ctx.host.name} failed: ${ctx.failed instanceof Error ? ctx.failed.message : String(ctx.failed)}`);
        return fail(r, ctx, 500);
      }
      if (x.connectError !== null) {
        // gw_proc_connect_error, then gw_host_get finds no host up: 503
        r.env.log.error(`establishing connection failed: socket: ${ctx.host.name}: ${x.connectError}`);
        if (!noteSent.has(ctx.ext)) {
          noteSent.add(ctx.ext);
          r.env.log.error(`all handlers for ${where(r)} on ${ctx.ext.key} are down.`);
        }
        return fail(r, ctx, 503);
      }
      if (!x.connected) {
        r.wait(x.next());
        return HandlerResult.WaitForEvent;
      }
      if (x.bytesSent === 0) {
        noteSent.delete(ctx.ext);
        const conf = r.config(mc);
        const opts = conf['proxy.header'];
        // a chunked body read whole has its length now; one that streams has none yet
        const bodyLength = r.reqBodyLength >= 0 ? r.reqBodyLength : r.reqBody.finished ? r.reqBody.bytesIn : -1;
        if (bodyLength === -1 && opts.forceHttp10) return fail(r, ctx, 411);
        const maps = opts.remap;
        if (maps.urlpaths !== null || maps.hostsRequest !== null || maps.hostsResponse !== null) ctx.remap = new HeaderRemap(maps, r.head.host === '' ? null : r.head.host);
        const out = buildProxyRequest({
          method: r.head.method,
          target: r.head.uri,
          httpVersion: r.head.httpVersion,
          host: r.head.host,
          headers: r.head.headers,
          bodyLength,
          remoteIp: r.remoteIp,
          scheme: r.scheme,
          localAddress: r.localAddress,
          localPort: r.localPort,
          serverSocket: r.serverSocket,
          forwarded: conf['proxy.forwarded'],
          replaceHost: conf['proxy.replace-http-host'] && ctx.hostId !== '' ? ctx.hostId : null,
          forceHttp10: opts.forceHttp10,
          remap: ctx.remap,
        });
        ctx.chunkedOut = out.chunked;
        x.write(out.head);
        if (bodyLength === 0) ctx.bodySent = true;
      }
      if (!ctx.bodySent) {
        r.readBody();
        sendBody(r, ctx, x);
      }
      if (!r.respBodyStarted) {
        if (x.inBytes > 0) {
          const rc = receiveHead(r, ctx, x);
          if (rc !== null) return rc;
        }
        if (x.eof) {
          // the backend closed before a complete head: http_response_read ends, and
          // http_response_backend_done answers 500 without a log line (as lighttpd 1.4.69 does)
          return fail(r, ctx, 500);
        }
      } else {
        // streamed: the backend is not read while the client has not taken the last 64 KiB (the write
        // loop asks again below the mark); with server.stream-response-body = 0 the queue goes to temp files
        if (r.conf['server.stream-response-body'] !== 0 && r.respBody.length >= RESPONSE_LOW_WATER) return HandlerResult.WaitForEvent;
        for (const b of x.take()) if (!appendBody(r, ctx, b)) return badBody(r, ctx);
        if (bodyComplete(ctx) || (x.eof && x.inBytes === 0)) {
          if (!bodyComplete(ctx) && (ctx.remaining > 0 || ctx.decoder !== null)) return cutShort(r, ctx);
          release(r);
          return HandlerResult.Finished;
        }
        x.resumeRead();
      }
      // the head is out and the backend waits for body the client has not sent: body input runs this again
      if (r.respBodyStarted && !ctx.bodySent && !ctx.readingBody && x.writable && r.reqBody.isEmpty) return HandlerResult.WaitForEvent;
      r.wait(x.next());
      return HandlerResult.WaitForEvent;
    },
    handleRequestDone: release,
    handleRequestReset: release,
  };
}
