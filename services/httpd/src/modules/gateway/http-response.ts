// An HTTP backend's answer for mod_proxy (lighttpd 1.4.69 http_response_read with BACKEND_PROXY):
// the head parsed as lighttpd's proxy head (gateway/http-response-head.ts), Location,
// Content-Location and Set-Cookie mapped back by proxy.header's maps, then the body by its framing
// (Content-Length, chunked, or up to the close), taken into r.respBody only while it holds less than
// the engine's low-water mark, so a slow client slows the backend instead of growing memory. With
// proxy.header "upgrade", a 101 with an Upgrade header makes the connection a tunnel
// (proxy_response_headers: gw_set_transparent, http_response_upgrade_read_body_unknown): from then on
// the backend's bytes go to the client and the client's to the backend, as they are, until the
// backend closes; a CONNECT starts as a tunnel (proxy_create_env_connect).
import { HandlerResult } from '@libs/plugins';
import type { Request } from '../../core/request';
import { ChunkedDecoder } from './chunked-decoder';
import { clientBehind, HeadCollector, type GatewayEnd, type GatewayResponse } from './gateway-response';
import type { HeaderRemap } from './header-remap';
import type { HttpExchange } from './http-exchange';
import { parseHttpHead } from './http-response-head';
import { passLengthForHead } from './response-head';

export class HttpResponse implements GatewayResponse<HttpExchange> {
  /** Bytes of the response head received so far. */
  private readonly head = new HeadCollector();
  /** Response body bytes still due by Content-Length (-1: chunked or up to the close). */
  private remaining = -1;
  private decoder: ChunkedDecoder | null = null;
  /** The connection is a tunnel: bytes pass both ways unframed. */
  private tunnel = false;

  /**
   * `remap`: proxy.header's maps for this request (null: none set); `upgrade`: a 101 may make the
   * connection a tunnel (proxy.header "upgrade" on an HTTP/1.1 request).
   */
  constructor(
    private readonly remap: HeaderRemap | null,
    private readonly upgrade = false,
  ) {}

  /** proxy_create_env_connect: CONNECT is answered 200 at once and tunnelled; nothing is sent first. */
  static connect(r: Request, x: HttpExchange): HttpResponse {
    const res = new HttpResponse(null);
    r.status = 200;
    r.respBodyStarted = true;
    res.startTunnel(r, x);
    return res;
  }

  /** gw_set_transparent: the request body (what the client sends from now) goes on to the backend unframed. */
  private startTunnel(r: Request, x: HttpExchange): void {
    this.tunnel = true;
    this.remaining = -1;
    this.decoder = null;
    r.upgrade();
    x.chunkedBody = false;
    x.bodyEnded = false;
  }

  read(r: Request, x: HttpExchange, end: GatewayEnd): HandlerResult | null {
    // a reset counts as the backend's close, as a FIN does
    const closed = x.eof || x.failed;
    if (this.tunnel) return this.pass(r, x, end, closed);
    if (!r.respBodyStarted) {
      if (x.inBytes > 0) {
        const rc = this.receiveHead(r, x, end);
        if (rc !== null) return rc;
      }
      // the backend closed before a complete head: http_response_read ends, and
      // http_response_backend_done answers 500 without a log line (as lighttpd 1.4.69 does)
      return closed ? end.fail(500) : null;
    }
    if (clientBehind(r)) return HandlerResult.WaitForEvent;
    for (const b of x.take()) if (!this.appendBody(r, b)) return this.badBody(r, x, end);
    const complete = this.decoder !== null ? this.decoder.done : this.remaining === 0;
    if (complete || (closed && x.inBytes === 0)) {
      if (!complete && (this.remaining > 0 || this.decoder !== null)) return this.cutShort(r, end);
      return end.done();
    }
    x.resumeRead();
    return null;
  }

  /**
   * The backend's bytes to the client while it keeps up, until the backend closes (the end of the
   * tunnel: the client connection closes after them). A reset cuts the client connection; lighttpd
   * logs neither (gw_backend_error is quiet for an Upgrade response).
   */
  private pass(r: Request, x: HttpExchange, end: GatewayEnd, closed: boolean): HandlerResult | null {
    if (clientBehind(r)) return HandlerResult.WaitForEvent;
    for (const b of x.take()) r.respBody.append(b);
    if (closed && x.inBytes === 0) return x.failed && !x.eof ? end.abort() : end.done();
    x.resumeRead();
    // the core waits on the backend only while no client bytes are due; a tunnel always waits on
    // it (the client's bytes wake the handler too: body input is an event of its own)
    r.wait(x.next());
    return null;
  }

  /** The response head from what the backend sent; null while it is incomplete. */
  private receiveHead(r: Request, x: HttpExchange, end: GatewayEnd): HandlerResult | null {
    const got = this.head.collect(r, x, end, (b) => parseHttpHead(b, r.url));
    if (got === null || typeof got !== 'object') return got;
    const { head, buf } = got;
    r.status = head.status;
    const remap = this.remap !== null && this.remap.onResponse ? this.remap : null;
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
    passLengthForHead(r, head.lengthHeader);
    r.respBodyStarted = true;
    if (head.status === 101 && this.upgrade && head.headers.some((n, i) => i % 2 === 0 && n.toLowerCase() === 'upgrade')) this.startTunnel(r, x);
    else {
      // HEAD, 204 and 304 have no body whatever the head says (RFC 9112 6.3)
      const none = r.head.method === 'HEAD' || head.status === 204 || head.status === 304;
      this.remaining = none ? 0 : head.contentLength;
      this.decoder = none || !head.chunked ? null : new ChunkedDecoder();
    }
    if (head.bodyStart < buf.length && !this.appendBody(r, buf.subarray(head.bodyStart))) return this.badBody(r, x, end);
    x.resumeRead();
    return HandlerResult.WaitForEvent;
  }

  /** Body bytes from the backend into r.respBody, by its framing; false when the framing is broken. */
  private appendBody(r: Request, b: Buffer): boolean {
    if (this.decoder !== null) {
      for (const piece of this.decoder.execute(b)) r.respBody.append(piece);
      return this.decoder.error === null;
    }
    if (this.remaining >= 0) {
      // bytes past Content-Length are dropped (the backend closes after them anyway)
      const n = Math.min(this.remaining, b.length);
      r.respBody.append(n === b.length ? b : b.subarray(0, n));
      this.remaining -= n;
      return true;
    }
    r.respBody.append(b);
    return true;
  }

  /**
   * A chunked body the backend broke: lighttpd 1.4.69 logs it (gw_backend_error after
   * resp_body_started) and ends the response with the body received so far.
   */
  private badBody(r: Request, x: HttpExchange, end: GatewayEnd): HandlerResult {
    r.env.log.error(`response already sent out, but backend returned error on socket: ${x.host.name} for ${end.where}, terminating connection`);
    return end.done();
  }

  /**
   * The backend closed before its Content-Length or last chunk. Streamed, the head is out: the
   * connection ends, so the client sees the body cut short as behind lighttpd (which logs nothing).
   * Buffered (stream-response-body = 0), nothing went out yet: 502. lighttpd sends the partial body
   * there under the backend's Content-Length, which this engine replaces by the length it has.
   */
  private cutShort(r: Request, end: GatewayEnd): HandlerResult {
    if (r.conf['server.stream-response-body'] === 0) {
      r.resetResponse();
      return end.fail(502);
    }
    return end.abort();
  }
}
