// One request's connection to an HTTP backend, as lighttpd 1.4.69's gw_backend.c handler context
// holds it for mod_proxy: the socket (unix or TCP), the bytes the backend sent and not yet taken
// (reading pauses past 64 KiB until the request takes them), and one "something happened" promise
// for the request to wait on. No HTTP here: mod_proxy builds the request and parses the answer.
import net from 'node:net';
import type { GatewayHost } from './fastcgi-config';
import { connectErrorText } from './connect-error';

/** Received bytes above which the socket is not read until the request took them. */
const READ_PAUSE = 64 * 1024;

export class HttpExchange {
  /** Bytes received and not taken yet. */
  readonly in: Buffer[] = [];
  inBytes = 0;
  connected = false;
  /** connect() failed, with its errno text. */
  connectError: string | null = null;
  /** The backend closed its side (or the connection broke after connecting). */
  eof = false;
  /** Bytes written to the backend, lighttpd's wb.bytes_out for its log lines. */
  bytesSent = 0;
  private readonly socket: net.Socket;
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(readonly host: GatewayHost) {
    this.socket = host.socketPath !== null ? net.connect({ path: host.socketPath }) : net.connect({ host: host.host, port: host.port });
    this.socket.on('connect', () => {
      this.connected = true;
      this.notify();
    });
    this.socket.on('data', (d: Buffer) => {
      this.in.push(d);
      this.inBytes += d.length;
      // backpressure: the backend waits while the request holds a full response queue
      if (this.inBytes >= READ_PAUSE) this.socket.pause();
      this.notify();
    });
    this.socket.on('drain', () => this.notify());
    this.socket.on('end', () => {
      this.eof = true;
      this.notify();
    });
    this.socket.on('error', (e: NodeJS.ErrnoException) => {
      if (!this.connected) this.connectError = connectErrorText(e);
      else this.eof = true;
      this.notify();
    });
    this.socket.on('close', () => {
      if (this.connected) this.eof = true;
      this.notify();
    });
  }

  /** Resolves at the next event on the backend connection (data, room, connect, close). */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** The socket takes more now (else wait for the next event: 'drain'). */
  get writable(): boolean {
    return !this.closed && !this.socket.writableNeedDrain;
  }

  write(data: Buffer): void {
    if (this.closed || data.length === 0) return;
    this.bytesSent += data.length;
    this.socket.write(data);
  }

  /** Takes the bytes received so far. */
  take(): Buffer[] {
    const out = this.in.splice(0);
    this.inBytes = 0;
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

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
