// One request's FastCGI connection (lighttpd 1.4.69 mod_fastcgi.c over gw_backend.c): the gateway
// connection with the @libs/fastcgi client session on it (request id 1). Without keep-conn there is
// no FCGI_KEEP_CONN and the backend closes after END_REQUEST, as lighttpd's fcgi_create_env asks;
// with it, the connection goes back to the idle ones once END_REQUEST came and the body was sent
// (nginx's fastcgi_keep_conn). The request body goes out as STDIN records; STDOUT is the response
// the request takes, STDERR goes to the error log.
import type { ServiceLog } from '@libs/log';
import { FCGI_RESPONDER, FastcgiClient, type FastcgiClientRequest } from '@libs/fastcgi';
import type { GatewayHost } from './gateway-config';
import { GatewayExchange } from './gateway-exchange';
import type { IdleConnections } from './idle-connections';

export class FastcgiExchange extends GatewayExchange {
  /** END_REQUEST arrived. */
  private ended = false;
  /** The session failed (a protocol error, or the connection closed before END_REQUEST). */
  private sessionFailed = false;
  private readonly client: FastcgiClient;
  private request: FastcgiClientRequest | null = null;

  /** `idle`: where kept-alive connections come from (unless `fresh`) and go back to (keep-conn), else null. */
  constructor(
    host: GatewayHost,
    private readonly log: ServiceLog,
    private readonly idle: IdleConnections | null,
    fresh = false,
  ) {
    super(host, fresh ? null : (idle?.take(host.name) ?? null));
    this.client = new FastcgiClient({
      log,
      peer: host.name,
      paramsEncoding: 'latin1',
      write: (chunks) => {
        for (const c of chunks) this.write(c);
      },
      close: () => this.close(),
    });
  }

  protected override receive(data: Buffer): void {
    this.client.execute(data);
  }

  protected override receiveEnd(broken: boolean): void {
    if (broken) this.client.destroy();
    else this.client.end();
  }

  override get responseEnded(): boolean {
    return this.ended;
  }

  override get responseBroken(): boolean {
    return !this.ended && (this.sessionFailed || this.eof || this.failed);
  }

  /** BEGIN_REQUEST and PARAMS (lighttpd sends them once connected, fcgi_create_env). */
  begin(params: Iterable<readonly [string, string]>, role = FCGI_RESPONDER): void {
    this.request = this.client.request({
      params,
      role,
      keepConn: this.idle !== null,
      onStdout: (chunk) => this.push(chunk),
      onStderr: (chunk) => {
        // log_error_multiline: one line per line, "\r\n" taken as "\n"
        const text = chunk.toString('latin1');
        for (const line of (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n')) this.log.error(`FastCGI-stderr:${line.replace(/\r$/, '')}`);
      },
      onEnd: () => {
        this.ended = true;
      },
      onError: () => {
        if (!this.ended) this.sessionFailed = true;
      },
    });
  }

  override writeBody(data: Buffer): void {
    if (this.request !== null && !this.request.finished) this.request.writeStdin(data);
  }

  override endBody(): void {
    super.endBody();
    if (this.request !== null && !this.request.finished) this.request.endStdin();
  }

  override close(): void {
    // a finished exchange leaves the connection as it found it: ready for the next BEGIN_REQUEST
    if (this.idle !== null && this.ended && this.bodyEnded && !this.sessionFailed) {
      const socket = this.detach();
      if (socket !== null) return this.idle.give(this.host.name, socket);
    }
    super.close();
  }
}
