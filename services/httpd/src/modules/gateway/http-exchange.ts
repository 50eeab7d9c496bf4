// One request's connection to an HTTP backend (lighttpd 1.4.69 mod_proxy.c over gw_backend.c): the
// gateway connection, with the request body chunk-framed as proxy_stdin_append does when a chunked
// body streams (its length is not known when the head goes out). The response is read raw: mod_proxy
// parses the head and the body's framing.
import { GatewayExchange } from './gateway-exchange';

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

export class HttpExchange extends GatewayExchange {
  /** The request body goes out chunk-encoded (set with the request head). */
  chunkedBody = false;

  override writeBody(data: Buffer): void {
    // an empty piece would read as the last chunk
    if (!this.chunkedBody || data.length === 0) return this.write(data);
    this.write(Buffer.from(`${data.length.toString(16)}\r\n`, 'latin1'));
    this.write(data);
    this.write(CRLF);
  }

  override endBody(): void {
    super.endBody();
    if (this.chunkedBody) this.write(LAST_CHUNK);
  }
}
