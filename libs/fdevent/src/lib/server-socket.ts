// A listening socket: configured (bound here) or inherited (systemd socket activation), pausable
// without closing (lighttpd's server_socket in src/network.c and server_sockets_set_event()).
import fs from 'node:fs';
import type net from 'node:net';
import { startAccepting, stopAccepting } from './listen-handle';
import { formatSocketAddress, type SocketAddress } from './socket-address';
import { TrafficBudget } from './traffic-budget';

/** One configured listening socket: server.bind/server.port or a $SERVER["socket"] block. */
export interface ServerSocketConfig {
  /** "host:port", "[v6]:port", ":port" or an absolute unix socket path. Port 0 picks a free port. */
  readonly address: string;
  /** Matched against LISTEN_FDNAMES (FileDescriptorName=); defaults to the address text. */
  readonly name?: string;
  /** server.socket-perms for a unix socket, e.g. 0o660. */
  readonly perms?: number;
  /** server.listen-backlog (lighttpd's default is 1024). */
  readonly backlog?: number;
  /** server.kbytes-per-second for all connections of this socket; 0 is unlimited. */
  readonly kbytesPerSecond?: number;
}

/** An inherited listening fd, as socket activation reports it (fd 3.., LISTEN_FDNAMES name). */
export interface InheritedSocket {
  readonly fd: number;
  readonly name: string;
}

export class ServerSocket {
  readonly budget: TrafficBudget;
  private isPaused = false;

  constructor(
    readonly server: net.Server,
    private readonly boundAddress: SocketAddress,
    /** The configuration it serves; null for an inherited socket no configured one matched. */
    readonly config: ServerSocketConfig | null,
    readonly inherited: InheritedSocket | null,
    /** Non-null when we bound a unix socket: its bind-only wrap (see listen-handle.ts), kept
     *  alive with us, and the socket file is ours to remove on close. */
    private readonly unixBindWrap: object | null = null,
  ) {
    this.budget = new TrafficBudget((config?.kbytesPerSecond ?? 0) * 1024);
  }

  /** The real local address (the port chosen for port 0, the path of a unix socket). */
  address(): SocketAddress {
    if (this.boundAddress.kind === 'unix') return this.boundAddress;
    const a = this.server.address();
    if (a === null || typeof a === 'string') return this.boundAddress;
    return { kind: 'inet', family: a.family === 'IPv6' ? 'IPv6' : 'IPv4', address: a.address, port: a.port };
  }

  get label(): string {
    return formatSocketAddress(this.address());
  }

  get paused(): boolean {
    return this.isPaused;
  }

  /** Stop accepting: connections wait in the kernel backlog. */
  pause(): void {
    if (this.isPaused || !this.server.listening) return;
    this.isPaused = true;
    stopAccepting(this.server);
  }

  resume(): void {
    if (!this.isPaused || !this.server.listening) return;
    this.isPaused = false;
    startAccepting(this.server);
  }

  /** Closes the listening socket; a unix socket file we created is removed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      // net.Server's close callback waits for its connections, which the event layer owns and
      // closes itself: the listening handle is closed on the next loop turn
      this.server.close();
      if (this.unixBindWrap !== null && this.boundAddress.kind === 'unix') fs.rmSync(this.boundAddress.path, { force: true });
      setImmediate(resolve);
    });
  }
}
