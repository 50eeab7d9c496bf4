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
