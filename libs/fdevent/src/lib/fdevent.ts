// The event layer of one server process: accepts on the server sockets, keeps the connection
// registry, gates accepting on server.max-connections / server.max-fds, and drives timeouts and
// traffic shaping from the 1-second trigger (lighttpd src/server.c main loop, server_load_check,
// server_overload_check, server_sockets_disable/enable).
import type net from 'node:net';
import type { ServiceLog } from '@libs/log';
import { Connection, type ConnectionLimits } from './connection';
import { ConnectionRegistry } from './connection-registry';
import { countOpenFds, fdSoftLimit } from './fd-count';
import { Joblist } from './joblist';
import type { ServerSocket } from './server-socket';
import { processTrigger, type Trigger } from './trigger';

export interface FdEventOptions {
  readonly log: ServiceLog;
  /** server.max-connections; 0 or absent: max-fds / 3, and never more than max-fds / 2. */
  readonly maxConnections?: number;
  /** server.max-fds; absent: the soft RLIMIT_NOFILE. */
  readonly maxFds?: number;
  /** Limits a new connection starts with (the global config's values). */
  readonly connectionLimits?: Partial<ConnectionLimits>;
  /** Defaults to the process's shared trigger. */
  readonly trigger?: Trigger;
  /** A connection was accepted and registered; the HTTP layer takes it from here. */
  readonly onConnection: (conn: Connection, serverSocket: ServerSocket) => void;
  /**
   * The socket a connection reads and writes, made from the accepted one before anything listens
   * on it (the HTTP layer reads into its own buffer this way); default: the accepted socket.
   */
  readonly takeAccepted?: (accepted: net.Socket) => net.Socket;
}

export class FdEvent {
  readonly registry = new ConnectionRegistry();
  readonly trigger: Trigger;
  readonly joblist: Joblist<Connection>;
  readonly maxFds: number;
  readonly maxConnections: number;
  private readonly sockets: ServerSocket[] = [];
  private readonly acceptors = new Map<ServerSocket, (socket: net.Socket) => void>();
  private readonly log: ServiceLog;
  private readonly limits: Partial<ConnectionLimits>;
  private readonly unsubscribe: () => void;
  private nextId = 1;
  private disabled = false;
  private releaseHold: (() => void) | null = null;
  /** Fds measured at the last tick, and how many connections were registered then. */
  private fdsMeasured: number;
  private connsAtMeasure = 0;
  /** Fds other users (backends, files) declare between measurements (lighttpd's fdevent fd counting). */
  private extraFds = 0;

  constructor(private readonly options: FdEventOptions) {
    this.log = options.log;
    this.trigger = options.trigger ?? processTrigger();
    this.limits = options.connectionLimits ?? {};
    this.maxFds = Math.max(32, options.maxFds ?? fdSoftLimit());
    const configured = options.maxConnections ?? 0;
    if (configured > this.maxFds / 2) {
      this.log.warn(`can't have more connections than fds/2: ${configured} ${this.maxFds}`);
      this.maxConnections = Math.floor(this.maxFds / 2);
    } else {
      this.maxConnections = configured > 0 ? configured : Math.floor(this.maxFds / 3);
    }
    this.fdsMeasured = countOpenFds();
    this.joblist = new Joblist((conn) => conn.handler.onJob?.(conn));
    this.unsubscribe = this.trigger.subscribe((now) => this.onTick(now));
  }

  /** Starts accepting on a server socket. */
  addServerSocket(s: ServerSocket): void {
    this.sockets.push(s);
    const onConnection = (socket: net.Socket): void => void this.accept(socket, s);
    this.acceptors.set(s, onConnection);
    s.server.on('connection', onConnection);
    if (this.disabled) s.pause();
  }

  /**
   * Stops accepting on every server socket and hands them over open (a graceful restart passes
   * them to the next configuration's event layer); connections already accepted are untouched.
   */
  releaseServerSockets(): ServerSocket[] {
    for (const [s, onConnection] of this.acceptors) {
      s.server.off('connection', onConnection);
      s.resume();
    }
    this.acceptors.clear();
    return this.sockets.splice(0);
  }

  get serverSockets(): readonly ServerSocket[] {
    return this.sockets;
  }

  get socketsDisabled(): boolean {
    return this.disabled;
  }

  /** Open fds as the gate counts them: measured once a second, plus connections since then. */
  get curFds(): number {
    return this.fdsMeasured + (this.registry.size - this.connsAtMeasure) + this.extraFds;
  }

  /** Other fds opened (+n) or closed (-n) between ticks, e.g. backend connections. */
  adjustFds(delta: number): void {
    this.extraFds += delta;
    this.loadCheck();
  }

  /** Queue a connection to run again on the next loop turn. */
  schedule(conn: Connection): void {
    this.joblist.append(conn);
  }

  /** Stops the trigger subscription and closes the server sockets (connections are left to their owner). */
  async close(): Promise<void> {
    this.unsubscribe();
    this.acceptors.clear();
    this.releaseHold?.();
    this.releaseHold = null;
    await Promise.all(this.sockets.map((s) => s.close()));
  }

  /**
   * Registers a connection accepted outside this event layer (lighttpd -1 serves the socket on
   * standard input) as if it came from `s`.
   */
  adopt(socket: net.Socket, s: ServerSocket): Connection {
    return this.accept(socket, s);
  }

  private accept(accepted: net.Socket, s: ServerSocket): Connection {
    const socket = this.options.takeAccepted?.(accepted) ?? accepted;
    const conn = new Connection(this.nextId++, socket, this.trigger, s.budget);
    Object.assign(conn.limits, this.limits);
    this.registry.add(conn);
    socket.once('close', () => {
      this.registry.delete(conn);
      this.loadCheck();
    });
    this.loadCheck();
    this.options.onConnection(conn, s);
    return conn;
  }

  /**
   * lighttpd: disable when fds pass 90% of max-fds or connections reach max-connections; enable
   * again once fds are under 80% and connections are under the limit. libuv drains the backlog in
   * one go when the listening fd fires, so a burst can overshoot the limit by the connections
   * already queued at that moment; the gate closes right after.
   */
  private loadCheck(): void {
    const fds = this.curFds;
    const conns = this.registry.size;
    if (this.disabled) {
      if (fds < (this.maxFds * 8) / 10 && conns < this.maxConnections) this.enable();
    } else if (fds > (this.maxFds * 9) / 10 || conns >= this.maxConnections) {
      this.disable(conns >= this.maxConnections);
    }
  }

  private disable(connectionLimit: boolean): void {
    this.disabled = true;
    for (const s of this.sockets) s.pause();
    // while disabled, keep the process (and its trigger) alive to re-enable them
    this.releaseHold = this.trigger.hold();
    this.log.notice(connectionLimit ? '[note] sockets disabled, connection limit reached' : '[note] sockets disabled, out-of-fds');
  }

  private enable(): void {
    this.disabled = false;
    for (const s of this.sockets) s.resume();
    this.releaseHold?.();
    this.releaseHold = null;
    this.log.notice('[note] sockets enabled again');
  }

  private onTick(now: number): void {
    this.fdsMeasured = countOpenFds();
    this.connsAtMeasure = this.registry.size;
    this.extraFds = 0;
    for (const s of this.sockets) s.budget.reset();
    this.registry.tick(now);
    this.loadCheck();
  }
}
