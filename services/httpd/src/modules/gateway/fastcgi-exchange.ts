// One request's FastCGI connection, as lighttpd 1.4.69's gw_backend.c handler context holds it: the
// socket to the backend, the @libs/fastcgi client session on it (request id 1, no FCGI_KEEP_CONN:
// the backend closes after END_REQUEST, as mod_fastcgi.c fcgi_create_env asks), what the backend
// wrote on STDOUT and not yet taken, and one "something happened" promise for the request to wait on.
// It keeps lighttpd's write_ts / read_ts so that the 1-second trigger can end it past a timeout.
import net from 'node:net';
import type { ServiceLog } from '@libs/log';
import { FastcgiClient, type FastcgiClientRequest } from '@libs/fastcgi';
import { monotonicSecs, type BackendRequest } from './backend-state';
import type { GatewayHost } from './fastcgi-config';
import { connectErrorText } from './connect-error';

export type GatewayTimeout = 'connect' | 'read' | 'write';

export class FastcgiExchange implements BackendRequest {
  /** STDOUT received and not taken yet. */
  readonly out: Buffer[] = [];
  outBytes = 0;
  connected = false;
  /** END_REQUEST arrived. */
  ended = false;
  /** connect() failed (with its errno text), or the connection broke before END_REQUEST. */
  connectError: string | null = null;
  broken = false;
  /** Bytes written to the backend (params and stdin), lighttpd's wb.bytes_out for its log lines. */
  bytesSent = 0;
  stdinEnded = false;
  /** The trigger found it waiting longer than connect-timeout, read-timeout or write-timeout. */
  timedOut: GatewayTimeout | null = null;
  /** Seconds (monotonic) of the connect or the last write progress, and of the last read. */
  private writeTs = monotonicSecs();
  private readTs = 0;
  private readonly socket: net.Socket;
  private readonly client: FastcgiClient;
  private request: FastcgiClientRequest | null = null;
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(
    readonly host: GatewayHost,
    private readonly log: ServiceLog,
  ) {
    this.socket = host.socketPath !== null ? net.connect({ path: host.socketPath }) : net.connect({ host: host.host, port: host.port });
    this.client = new FastcgiClient({
      log,
      peer: host.name,
      paramsEncoding: 'latin1',
      write: (chunks) => {
        const waiting = this.socket.writableNeedDrain;
        for (const c of chunks) {
          this.bytesSent += c.length;
          this.socket.write(c);
        }
        // write_ts restarts when the socket starts waiting to write (FDEVENT_OUT added)
        if (!waiting && this.socket.writableNeedDrain) this.writeTs = monotonicSecs();
      },
      close: () => this.close(),
    });
    this.socket.on('connect', () => {
      this.connected = true;
      this.writeTs = this.readTs = monotonicSecs();
      this.notify();
    });
    this.socket.on('data', (d: Buffer) => {
      this.readTs = monotonicSecs();
      this.client.execute(d);
      // backpressure: the backend waits while the request holds a full response queue
      if (this.outBytes >= READ_PAUSE) this.socket.pause();
      this.notify();
    });
    this.socket.on('drain', () => {
      this.writeTs = monotonicSecs();
      this.notify();
    });
    this.socket.on('end', () => {
      this.client.end();
      this.notify();
    });
    this.socket.on('error', (e: NodeJS.ErrnoException) => {
      if (!this.connected) this.connectError = connectErrorText(e);
      else if (!this.ended) this.broken = true;
      this.client.destroy();
      this.notify();
    });
    this.socket.on('close', () => {
      if (this.connected && !this.ended) this.broken = true;
      this.notify();
    });
  }

  /**
   * gw_handle_trigger_host_timeouts: connecting longer than connect-timeout; reading (not paused by
   * a full response queue) with nothing received for read-timeout; waiting to write for write-timeout.
   */
  expire(now: number): void {
    if (this.closed || this.ended || this.timedOut !== null) return;
    const h = this.host;
    if (!this.connected) {
      if (h.connectTimeout > 0 && now - this.writeTs > h.connectTimeout) this.timedOut = 'connect';
    } else if (h.readTimeout > 0 && !this.socket.isPaused() && now - this.readTs > h.readTimeout) {
      this.timedOut = 'read';
    } else if (h.writeTimeout > 0 && this.socket.writableNeedDrain && now - this.writeTs > h.writeTimeout) {
      this.timedOut = 'write';
    }
    if (this.timedOut !== null) this.notify();
  }

  /** The socket's descriptor for lighttpd's "(fd: N)" in log lines (-1 when Node does not say). */
  get fd(): number {
    const handle = (this.socket as unknown as { _handle?: { fd?: number } })._handle;
    return handle?.fd ?? -1;
  }

  /** Resolves at the next event on the backend connection (data, room, connect, close). */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** BEGIN_REQUEST and PARAMS (lighttpd sends them once connected, fcgi_create_env). */
  begin(params: Iterable<readonly [string, string]>): void {
    this.request = this.client.request({
      params,
      keepConn: false,
      onStdout: (chunk) => {
        this.out.push(chunk);
        this.outBytes += chunk.length;
      },
      onStderr: (chunk) => {
        // log_error_multiline: one line per line, "\r\n" taken as "\n"
        const text = chunk.toString('latin1');
        for (const line of (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n')) this.log.error(`FastCGI-stderr:${line.replace(/\r$/, '')}`);
      },
      onEnd: () => {
        this.ended = true;
      },
      onError: () => {
        if (!this.ended) this.broken = true;
      },
    });
  }

  get begun(): boolean {
    return this.request !== null;
  }

  /** The socket takes more now (else wait for the next event: 'drain'). */
  get writable(): boolean {
    return !this.closed && !this.socket.writableNeedDrain;
  }

  writeStdin(data: Buffer): void {
    if (!this.closed && this.request !== null && !this.request.finished) this.request.writeStdin(data);
  }

  endStdin(): void {
    this.stdinEnded = true;
    if (!this.closed && this.request !== null && !this.request.finished) this.request.endStdin();
  }

  /** Takes the STDOUT received so far and lets the backend write again. */
  takeOut(): Buffer[] {
    const out = this.out.splice(0);
    this.outBytes = 0;
    return out;
  }

  resumeRead(): void {
    if (!this.closed && this.socket.isPaused()) this.socket.resume();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}

/** Received STDOUT above which the socket is not read until the request took it. */
const READ_PAUSE = 64 * 1024;

