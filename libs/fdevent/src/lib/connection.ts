// One client connection as the event layer sees it: its I/O phase, the timestamps the idle timeouts need
// and the traffic-shaping counters (lighttpd's connection struct in src/base.h, the write limits of
// network.c network_write_chunkqueue and connections.c).
import type net from 'node:net';
import { IoPhase } from './io-phase';
import type { TrafficBudget } from './traffic-budget';
import type { Trigger } from './trigger';

/** Per-connection limits, refreshed by the HTTP layer from each request's config snapshot. */
export interface ConnectionLimits {
  /** server.max-read-idle: seconds without input while reading the first request or a body. */
  maxReadIdle: number;
  /** server.max-keep-alive-idle: seconds an idle keep-alive connection is kept. */
  maxKeepAliveIdle: number;
  /** server.max-write-idle: seconds without output progress while writing. */
  maxWriteIdle: number;
  /** connection.kbytes-per-second: 0 is unlimited. */
  kbytesPerSecond: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({
  maxReadIdle: 60,
  maxKeepAliveIdle: 5,
  maxWriteIdle: 360,
  kbytesPerSecond: 0,
});

export type TimeoutKind = 'read-idle' | 'keep-alive-idle' | 'write-idle' | 'linger';

/** What the owner of a connection (the HTTP layer) is told by the event layer. */
export interface ConnectionHandler {
  /** The connection has been idle too long; the default (no handler) destroys the socket. */
  onTimeout?(conn: Connection, kind: TimeoutKind): void;
  /** The traffic budget allows writing again (queued output is flushed before this is called). */
  onWritable?(conn: Connection): void;
  /** The connection was taken from the joblist: run its state machine. */
  onJob?(conn: Connection): void;
}

export class Connection {
  /** What the connection waits for (its idle timeout); set by the protocol layer. */
  phase: IoPhase = IoPhase.Busy;
  requestCount = 0;
  /** Trigger seconds of the last input (lighttpd read_idle_ts). */
  readIdleTs: number;
  /** Trigger seconds of the last output progress; 0 while nothing waits to be written. */
  writeRequestTs = 0;
  /** Trigger seconds at which the phase became linger (lingering close). */
  closeTimeoutTs = 0;
  readonly connectionStart: number;
  bytesWritten = 0;
  bytesWrittenCurSecond = 0;
  trafficLimitReached = false;
  inJoblist = false;
  limits: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS };
  handler: ConnectionHandler = {};
  private readonly queue: Buffer[] = [];
  private ending = false;
  private waitingDrain = false;

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    private readonly trigger: Trigger,
    private readonly socketBudget: TrafficBudget,
  ) {
    this.readIdleTs = trigger.now;
    this.connectionStart = trigger.now;
    socket.on('drain', () => {
      this.waitingDrain = false;
      this.flush();
    });
  }

  setPhase(phase: IoPhase): void {
    this.phase = phase;
    if (phase === IoPhase.Linger) this.closeTimeoutTs = this.trigger.now;
  }

  /** Call on every read: costs one property load of the trigger's cached clock. */
  markRead(): void {
    this.readIdleTs = this.trigger.now;
  }

  /** Bytes queued here because of the traffic budget or socket back-pressure. */
  get pendingBytes(): number {
    let n = 0;
    for (const b of this.queue) n += b.length;
    return n;
  }

  /**
   * Writes through the traffic budget: what the budget does not allow this second stays queued
   * until the next tick (lighttpd sets traffic_limit_reached and waits for the trigger).
   * Returns false when the data had to be queued.
   */
  write(data: Buffer | string): boolean {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (this.writeRequestTs === 0) this.writeRequestTs = this.trigger.now;
    if (this.queue.length === 0 && this.limits.kbytesPerSecond === 0 && this.socketBudget.bytesPerSecond === 0) {
      // no budget to respect and nothing queued: straight to the socket (the hot path of every response)
      if (this.waitingDrain || this.socket.destroyed) this.queue.push(buf);
      else this.send(buf);
      return this.queue.length === 0;
    }
    this.queue.push(buf);
    this.flush();
    return this.queue.length === 0;
  }

  /** Ends the socket once the queued output is written. */
  end(data?: Buffer | string): void {
    if (data !== undefined) this.queue.push(typeof data === 'string' ? Buffer.from(data) : data);
    this.ending = true;
    this.flush();
  }

  /** Writes what the budgets allow; called on writes, on 'drain' and by the trigger. */
  flush(): void {
    while (this.queue.length > 0 && !this.waitingDrain && !this.socket.destroyed) {
      const allowed = this.allowance();
      if (allowed <= 0) {
        this.trafficLimitReached = true;
        return;
      }
      let chunk = this.queue[0] as Buffer;
      if (chunk.length > allowed) {
        this.queue[0] = chunk.subarray(allowed);
        chunk = chunk.subarray(0, allowed);
      } else {
        this.queue.shift();
      }
      this.send(chunk);
    }
    if (this.queue.length === 0 && this.ending && !this.socket.destroyed) this.socket.end();
  }

  private send(chunk: Buffer): void {
    this.bytesWritten += chunk.length;
    this.bytesWrittenCurSecond += chunk.length;
    this.socketBudget.usedThisSecond += chunk.length;
    if (!this.socket.write(chunk, this.onWritten)) this.waitingDrain = true;
  }

  /** Output progress (one bound function, not a closure per write). */
  private readonly onWritten = (): void => {
    this.writeRequestTs = this.socket.writableLength === 0 && this.queue.length === 0 ? 0 : this.trigger.now;
  };

  private allowance(): number {
    const perConnection = this.limits.kbytesPerSecond === 0 ? Infinity : this.limits.kbytesPerSecond * 1024 - this.bytesWrittenCurSecond;
    return Math.min(perConnection, this.socketBudget.remaining());
  }
}
