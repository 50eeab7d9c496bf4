// One request's connection to a backend, as lighttpd 1.4.69's gw_backend.c handler context holds it
// for every gateway: the socket (unix or TCP), the response bytes received and not yet taken
// (reading pauses past 64 KiB until the request takes them: a slow client slows the backend), one
// "something happened" promise for the request to wait on, and lighttpd's write_ts / read_ts so
// that the 1-second trigger can end it past connect-, read- or write-timeout. Bytes go out as they
// are; a protocol that frames them (FastCGI records, a chunked proxy body) overrides writeBody,
// endBody and receive.
import type net from 'node:net';
import { connectBackend, corkUntilTurnEnds, setBackendReader } from './backend-socket';
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
  /** The connection came from an earlier request (keep-conn). */
  private readonly reused: boolean;
  /** Bytes received from the backend on this exchange. */
  private bytesReceived = 0;
  /**
   * `kept`: a kept-alive connection from an earlier request (keep-conn) instead of a new one; if the
   * backend turns out to have closed it, `lostKept` says so and the request may go out again.
   */
  constructor(
    readonly host: GatewayHost,
    kept: net.Socket | null = null,
  ) {
    this.reused = kept !== null;
    this.socket = kept ?? connectBackend(host);
    if (kept !== null) {
      this.connected = true;
      this.writeTs = this.readTs = monotonicSecs();
    }
    setBackendReader(this.socket, this.onData);
    this.socket.on('connect', this.onConnect).on('drain', this.onDrain);
    this.socket.on('end', this.onEnd).on('error', this.onError).on('close', this.onClose);
  }

  private readonly onConnect = (): void => {
    this.connected = true;
    this.writeTs = this.readTs = monotonicSecs();
    this.notify();
  };

  /** `d` is borrowed (backend-socket.ts): what is kept of it is copied by push. */
  private readonly onData = (d: Buffer): void => {
    this.readTs = monotonicSecs();
    this.bytesReceived += d.length;
    this.receive(d);
    // backpressure: the backend waits while the request holds a full response queue
    if (this.received >= READ_PAUSE) this.socket.pause();
    this.notify();
  };

  private readonly onDrain = (): void => {
    this.writeTs = monotonicSecs();
    this.notify();
  };

  private readonly onEnd = (): void => {
    this.eof = true;
    this.receiveEnd(false);
    this.notify();
  };

  private readonly onError = (e: NodeJS.ErrnoException): void => {
    if (!this.connected) {
      this.connectError = connectErrorText(e);
      this.connectErrorCode = e.code ?? null;
    } else this.failed = true;
    this.receiveEnd(true);
    this.notify();
  };

  private readonly onClose = (): void => {
    if (this.connected) this.eof = true;
    this.notify();
  };

  /** A kept-alive connection that ended or broke before a byte of the answer: the backend had closed it. */
  get lostKept(): boolean {
    return this.reused && this.bytesReceived === 0 && (this.eof || this.failed);
  }

  /**
   * Takes the socket away from this exchange, its listeners removed, for the next request
   * (keep-conn); null when it cannot serve another one.
   */
  protected detach(): net.Socket | null {
    if (this.closed || this.eof || this.failed || this.timedOut !== null || this.socket.destroyed) return null;
    this.closed = true;
    const s = this.socket;
    s.off('connect', this.onConnect).off('drain', this.onDrain);
    s.off('end', this.onEnd).off('error', this.onError).off('close', this.onClose);
    s.resume();
    return s;
  }

  /** What the backend sent arrives here; a framed protocol decodes it and pushes the response bytes. */
  protected receive(data: Buffer): void {
    this.push(data);
  }

  /** The backend's side ended (a FIN, or `broken`: an error); a framed protocol finishes its decoder. */
  protected receiveEnd(_broken: boolean): void {
    // raw bytes: nothing is pending a decoder
  }

  /** Response bytes for the request to take; `data` may be a view of the read buffer: kept as a copy. */
  protected push(data: Buffer): void {
    this.in.push(Buffer.from(data));
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

  /**
   * Bytes to the backend as they are. Everything written in one turn of the event loop leaves in
   * one system call (a FastCGI request's BEGIN_REQUEST, PARAMS and empty STDIN are six records).
   */
  write(data: Buffer): void {
    if (this.closed || data.length === 0) return;
    const waiting = this.socket.writableNeedDrain;
    this.bytesSent += data.length;
    corkUntilTurnEnds(this.socket);
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
