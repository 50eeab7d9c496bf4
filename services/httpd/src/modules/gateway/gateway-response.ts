// What a gateway protocol gives the core to read its backend's answer with, and the ways the core
// lets a reader end the request (lighttpd 1.4.69 gw_backend.c: gw_recv_response feeding the
// protocol's parser, then gw_connection_close, gw_backend_error).
import type { HandlerResult } from '@libs/plugins';
import { RESPONSE_LOW_WATER, type Request } from '../../core/request';
import type { GatewayExchange } from './gateway-exchange';

/** How a response reader ends the request; each closes the backend connection first. */
export interface GatewayEnd {
  /** Before the head went out: answer with this status and lighttpd's error page. */
  fail(status: number): HandlerResult;
  /** The response is complete. */
  done(): HandlerResult;
  /** After the head went out: cut the client connection (the body stops short). */
  abort(): HandlerResult;
  /**
   * An authorizer's answer was 200 and is over: the request goes on to its handler with these
   * variables in its backend environment (gateway/authorizer.ts).
   */
  authorized(variables: ReadonlyArray<readonly [string, string]>): HandlerResult;
  /** Path and query as lighttpd's gw log lines show them ("%s?%.*s"). */
  readonly where: string;
}

/** One request's reader of the backend's answer, made once the request went out. */
export interface GatewayResponse<X extends GatewayExchange> {
  /**
   * Takes what the backend sent into the response (head, then body while the client keeps up).
   * Null: nothing ended, wait for the backend or the client.
   */
  read(r: Request, x: X, end: GatewayEnd): HandlerResult | null;
}

/**
 * The client has not taken the last 64 KiB of a streamed response: the backend is not read until
 * the engine asks again below the mark. With server.stream-response-body = 0 everything is taken
 * and the engine moves the queue to temp files as it grows.
 */
export function clientBehind(r: Request): boolean {
  return r.conf['server.stream-response-body'] !== 0 && r.respBody.memoryBytes > RESPONSE_LOW_WATER;
}

/** What a head parser says of the bytes so far: not complete yet, broken (502), or the head. */
type HeadParse<H> = { readonly kind: 'more' } | { readonly kind: 'bad'; readonly log: string | null } | H;

/**
 * A backend's response head read across several reads (lighttpd keeps the bytes in hctx->rb until
 * the blank line): the parsed head with the bytes it came in, null while it is incomplete (the
 * socket may read on), or the 502 the request ended with.
 */
export class HeadCollector {
  private held: Buffer | null = null;

  collect<H extends { readonly kind: 'head' }>(
    r: Request,
    x: GatewayExchange,
    end: GatewayEnd,
    parse: (buf: Buffer) => HeadParse<H>,
  ): { readonly head: H; readonly buf: Buffer } | HandlerResult | null {
    const parts = x.take();
    const buf = this.held === null ? Buffer.concat(parts) : Buffer.concat([this.held, ...parts]);
    const head = parse(buf);
    if (head.kind === 'more') {
      this.held = buf;
      x.resumeRead();
      return null;
    }
    if (head.kind === 'bad') {
      if (head.log !== null) r.env.log.error(head.log);
      return end.fail(502);
    }
    this.held = null;
    return { head, buf };
  }
}
