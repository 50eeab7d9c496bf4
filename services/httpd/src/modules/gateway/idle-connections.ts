// Kept-alive backend connections waiting for their next request (keep-conn), per backend, as
// nginx's upstream keepalive cache: a request takes the most recently used one; a connection the
// backend closes or writes to while idle is dropped. Idle connections do not keep the process
// alive (unref'd), and at most MAX_IDLE per backend are kept: more go back closed.
import type net from 'node:net';
import { setBackendReader } from './backend-socket';

/** Idle connections kept per backend (nginx's `keepalive 32`). */
const MAX_IDLE = 32;

interface Idle {
  readonly socket: net.Socket;
  readonly drop: () => void;
}

export class IdleConnections {
  private readonly idle = new Map<string, Idle[]>();

  /** A kept-alive connection to `backend` (its name), or null. */
  take(backend: string): net.Socket | null {
    const list = this.idle.get(backend);
    const entry = list?.pop();
    if (entry === undefined) return null;
    entry.socket.off('end', entry.drop).off('error', entry.drop).off('close', entry.drop);
    entry.socket.ref();
    return entry.socket;
  }

  /** Keeps `socket` (no listeners of its last request left on it) for the next request to `backend`. */
  give(backend: string, socket: net.Socket): void {
    const list = this.idle.get(backend) ?? [];
    if (list.length >= MAX_IDLE || socket.destroyed) {
      socket.destroy();
      return;
    }
    const entry: Idle = {
      socket,
      // anything from the backend now (a close, a stray record) ends the connection
      drop: () => {
        const i = list.indexOf(entry);
        if (i >= 0) list.splice(i, 1);
        socket.destroy();
      },
    };
    setBackendReader(socket, entry.drop);
    socket.on('end', entry.drop).on('error', entry.drop).on('close', entry.drop);
    socket.unref();
    list.push(entry);
    this.idle.set(backend, list);
  }

  /** Idle connections kept now, for the statistics. */
  count(backend: string): number {
    return this.idle.get(backend)?.length ?? 0;
  }

  closeAll(): void {
    for (const list of this.idle.values()) for (const e of list.splice(0)) e.socket.destroy();
  }
}
