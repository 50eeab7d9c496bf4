// The set of live connections and what the 1-second trigger does to them: idle timeouts per state
// and traffic-budget resets (lighttpd server.c server_handle_sigalrm / connections.c
// connection_check_timeout). The scan runs once a second over all connections; nothing per read.
import { Connection, type TimeoutKind } from './connection';
import { IoPhase } from './io-phase';

/** lighttpd's HTTP_LINGER_TIMEOUT: seconds a closing connection may drain input. */
export const HTTP_LINGER_TIMEOUT = 5;

export class ConnectionRegistry {
  private readonly connections = new Set<Connection>();

  get size(): number {
    return this.connections.size;
  }

  add(conn: Connection): void {
    this.connections.add(conn);
  }

  delete(conn: Connection): boolean {
    return this.connections.delete(conn);
  }

  [Symbol.iterator](): IterableIterator<Connection> {
    return this.connections.values();
  }

  /** One trigger tick: timeouts first, then re-enable connections whose traffic budget refills. */
  tick(now: number): void {
    for (const conn of [...this.connections]) {
      const kind = timedOut(conn, now);
      if (kind !== null) {
        if (conn.handler.onTimeout !== undefined) conn.handler.onTimeout(conn, kind);
        else conn.socket.destroy();
        continue;
      }
      conn.bytesWrittenCurSecond = 0;
      if (conn.trafficLimitReached) {
        // lighttpd also compares the average rate since the connection started (t_diff)
        const elapsed = Math.max(1, now - conn.connectionStart);
        const kbps = conn.limits.kbytesPerSecond;
        if (kbps === 0 || conn.bytesWritten / elapsed < kbps * 1024) {
          conn.trafficLimitReached = false;
          conn.flush();
          conn.handler.onWritable?.(conn);
        }
      }
    }
  }
}

function timedOut(conn: Connection, now: number): TimeoutKind | null {
  switch (conn.phase) {
    case IoPhase.AwaitRequest:
    case IoPhase.ReadBody: {
      // the first request (and any body) gets max-read-idle; waiting for a further request on a
      // kept-alive connection gets max-keep-alive-idle
      const keepAlive = conn.requestCount > 1 && conn.phase === IoPhase.AwaitRequest;
      const limit = keepAlive ? conn.limits.maxKeepAliveIdle : conn.limits.maxReadIdle;
      if (now - conn.readIdleTs > limit) return keepAlive ? 'keep-alive-idle' : 'read-idle';
      return null;
    }
    case IoPhase.Write:
      if (conn.writeRequestTs !== 0 && !conn.trafficLimitReached && now - conn.writeRequestTs > conn.limits.maxWriteIdle) return 'write-idle';
      return null;
    case IoPhase.Linger:
      return now - conn.closeTimeoutTs > HTTP_LINGER_TIMEOUT ? 'linger' : null;
    default:
      return null;
  }
}
