// A CGI response from a FastCGI or SCGI backend (lighttpd 1.4.69 http_response_read with
// BACKEND_FASTCGI / BACKEND_SCGI): the CGI head (gateway/response-head.ts), then the body, taken
// into r.respBody only while it holds less than the engine's low-water mark, so a slow client slows
// the backend instead of growing memory. The response is over when the exchange says so (FastCGI:
// END_REQUEST; SCGI: the backend closed). An authorizer's answer of 200 is read to its end and
// dropped, and the request goes on (gateway/authorizer.ts); any other is the response.
import { HandlerResult } from '@libs/plugins';
import type { Request } from '../../core/request';
import type { GatewayExchange } from './gateway-exchange';
import { clientBehind, HeadCollector, type GatewayEnd, type GatewayResponse } from './gateway-response';
import { parseCgiHead, passLengthForHead } from './response-head';

export class CgiResponse implements GatewayResponse<GatewayExchange> {
  /** Response bytes before the end of the CGI head. */
  private readonly head = new HeadCollector();
  /** An authorizer's answer: its Variable-* headers as [NAME, value] (null: a responder's). */
  private readonly variables: Array<[string, string]> | null;
  /** The authorizer said 200: the rest of its answer is read and dropped. */
  private approved = false;

  constructor(authorizer = false) {
    this.variables = authorizer ? [] : null;
  }

  read(r: Request, x: GatewayExchange, end: GatewayEnd): HandlerResult | null {
    if (this.approved) return this.drain(r, x, end);
    const rc = this.take(r, x, end);
    if (rc !== null) return rc;
    if (x.responseEnded && x.inBytes === 0) {
      // a backend that answered with nothing at all: lighttpd's http_response_backend_done gives 500
      if (!r.respBodyStarted) return end.fail(500);
      return end.done();
    }
    if (x.responseBroken) {
      if (!r.respBodyStarted) {
        // gw_recv_response_error, then http_response_backend_done: 500 when nothing was sent yet
        r.env.log.error(`response not received, request sent: ${x.bytesSent} on socket: ${x.host.name} for ${end.where}, closing connection`);
        return end.fail(500);
      }
      r.env.log.error(`response already sent out, but backend returned error on socket: ${x.host.name} for ${end.where}, terminating connection`);
      return end.abort();
    }
    return null;
  }

  /** An approved authorizer's answer: dropped until it ends, then the request goes on (gw_authorizer_ok). */
  private drain(r: Request, x: GatewayExchange, end: GatewayEnd): HandlerResult | null {
    x.take();
    x.resumeRead();
    if (x.responseEnded) return end.authorized(this.variables ?? []);
    if (x.responseBroken) {
      r.env.log.error(`response not received, request sent: ${x.bytesSent} on socket: ${x.host.name} for ${end.where}, closing connection`);
      return end.fail(500);
    }
    return null;
  }

  /** The head first, then body while the queue is below the mark. */
  private take(r: Request, x: GatewayExchange, end: GatewayEnd): HandlerResult | null {
    if (x.inBytes === 0) return null;
    if (!r.respBodyStarted) {
      const got = this.head.collect(r, x, end, (b) => parseCgiHead(b, r.url, this.variables));
      if (got === null || typeof got !== 'object') return got;
      const { head, buf } = got;
      // what paused the socket is taken: the backend may write again
      x.resumeRead();
      if (this.variables !== null && (head.status === 0 || head.status === 200)) {
        // fcgi_recv_parse: "authorizer approved request; ignore the content here"
        this.approved = true;
        return this.drain(r, x, end);
      }
      r.status = head.status === 0 ? 200 : head.status;
      for (let i = 0; i < head.headers.length; i += 2) r.responseHeaders.push(head.headers[i] as string, head.headers[i + 1] as string);
      passLengthForHead(r, head.lengthHeader);
      r.respBodyStarted = true;
      if (head.bodyStart < buf.length) r.respBody.append(buf.subarray(head.bodyStart));
      // the engine asks again (produceMore), so a backend status of 4xx keeps its own body as in lighttpd
      return HandlerResult.WaitForEvent;
    }
    if (clientBehind(r)) return HandlerResult.WaitForEvent;
    for (const b of x.take()) r.respBody.append(b);
    x.resumeRead();
    return null;
  }
}
