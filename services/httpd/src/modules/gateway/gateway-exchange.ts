// One request's connection to a backend, as lighttpd 1.4.69's gw_backend.c handler context holds it
// for every gateway: the socket (unix or TCP), the response bytes received and not yet taken
// (reading pauses past 64 KiB until the request takes them: a slow client slows the backend), one
// "something happened" promise for the request to wait on, and lighttpd's write_ts / read_ts so
// that the 1-second trigger can end it past connect-, read- or write-timeout. Bytes go out as they
// are; a protocol that frames them (FastCGI records, a chunked proxy body) overrides writeBody,
// endBody and receive.
import net from 'node:net';
import { monotonicSecs, type BackendRequest } from './backend-state';
import { connectErrorText } from './connect-error';
import type { GatewayHost } from './gateway-config';

/** Received bytes above which the socket is not read until the request took them. */
const READ_PAUSE = 64 * 1024;

export type GatewayTimeout = 'connect' | 'read' | 'write';

export class GatewayExchange implements BackendRequest {
  connected = false;
  /** connect() failed, with its errno text and code (EAGAIN counts as overloaded, not died). */
  connectError: string | null = null;
  connectErrorCode: string | null = null;
  /** The backend closed its side (FIN), or the socket closed after connecting. */
  eof = false;
  /** The connection broke after connecting (a reset, an error). */
  failed = false;
  /** Bytes written to the backend, lighttpd's wb.bytes_out for its log lines. */
  bytesSent = 0;
  /** The request body's end was sent (or there is none to send). */
  bodyEnded = false;
  /** The trigger found it waiting longer than connect-timeout, read-timeout or write-timeout. */
  timedOut: GatewayTimeout | null = null;
  /** Response bytes received and not taken yet. */
  private readonly in: Buffer[] = [];
  private received = 0;
  /** Seconds (monotonic) of the connect or the last write progress, and of the last read. */
  private writeTs = monotonicSecs();
  private readTs = 0;
  protected readonly socket: net.Socket;
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(readonly host: GatewayHost) {
    this.socket = host.socketPath !== null ? net.connect({ path: host.socketPath }) : net.connect({ host: host.host, port: host.port });
    this.socket.on('connect', () => {
      this.connected = true;
      this.writeTs = this.readTs = monotonicSecs();
      this.notify();
    });
    this.socket.on('data', (d: Buffer) => {
      this.readTs = monotonicSecs();
      this.receive(d);
      // backpressure: the backend waits while the request holds a full response queue
      if (this.received >= READ_PAUSE) this.socket.pause();
      this.notify();
    });
    this.socket.on('drain', () => {
      this.writeTs = monotonicSecs();
      this.notify();
    });
    this.socket.on('end', () => {
      this.eof = true;
      this.receiveEnd(false);
      this.notify();
    });
    this.socket.on('error', (e: NodeJS.ErrnoException) => {
      if (!this.connected) {
        this.connectError = connectErrorText(e);
        this.connectErrorCode = e.code ?? null;
      } else this.failed = true;
      this.receiveEnd(true);
      this.notify();
    });
    this.socket.on('close', () => {
      if (this.connected) this.eof = true;
      this.notify();
    });
  }

  /** What the backend sent arrives here; a framed protocol decodes it and pushes the response bytes. */
  protected receive(data: Buffer): void {
    this.push(data);
  }

  /** The backend's side ended (a FIN, or `broken`: an error); a framed protocol finishes its decoder. */
  protected receiveEnd(_broken: boolean): void {
    // raw bytes: nothing is pending a decoder
  }

  /** Response bytes for the request to take. */
  protected push(data: Buffer): void {
    this.in.push(data);
    this.received += data.length;
  }

  /** Response bytes received and not taken yet. */
  get inBytes(): number {
    return this.received;
  }

  /** The response is over: the backend closed (a protocol with an end record overrides this). */
  get responseEnded(): boolean {
    return this.eof;
  }

  /** The connection broke before the response was over. */
  get responseBroken(): boolean {
    return this.failed && !this.eof;
  }

  /**
   * gw_handle_trigger_host_timeouts: connecting longer than connect-timeout; reading (not paused by
   * a full response queue) with nothing received for read-timeout; waiting to write for write-timeout.
   */
  expire(now: number): void {
    if (this.closed || this.responseEnded || this.timedOut !== null) return;
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

  /** Resolves at the next event on the backend connection (data, room, connect, close, timeout). */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** The socket takes more now (else wait for the next event: 'drain'). */
  get writable(): boolean {
    return !this.closed && !this.socket.writableNeedDrain;
  }

  /** Bytes to the backend as they are. */
  write(data: Buffer): void {
    if (this.closed || data.length === 0) return;
    const waiting = this.socket.writableNeedDrain;
    this.bytesSent += data.length;
    this.socket.write(data);
    // write_ts restarts when the socket starts waiting to write (FDEVENT_OUT added)
    if (!waiting && this.socket.writableNeedDrain) this.writeTs = monotonicSecs();
  }

  /** One piece of the request body. */
  writeBody(data: Buffer): void {
    this.write(data);
  }

  /** The request body is complete. */
  endBody(): void {
    this.bodyEnded = true;
  }

  /** Takes the response bytes received so far. */
  take(): Buffer[] {
    const out = this.in.splice(0);
    this.received = 0;
    return out;
  }

  /** Lets the backend write again (after the request took what it held). */
  resumeRead(): void {
    if (!this.closed && this.socket.isPaused()) this.socket.resume();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
  }

  protected notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
