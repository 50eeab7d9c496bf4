// One serving process: listening sockets, the connection registry, the 1-second trigger for idle
// timeouts and the Date cache, graceful and immediate stop (lighttpd 1.4.69 server.c main loop,
// server_handle_sigalrm / connection_check_timeout, graceful_shutdown).
import fs from 'node:fs';
import net from 'node:net';
import type { ServiceLog } from '@libs/log';
import type { ConfigTree, ValidationResult } from '../config';
import { HttpConnection, type ConnectionOwner } from '../connection/connection';
import type { RequestHandlerContext } from '../connection/response';
import type { RequestParserOptions } from '../http/request-parser';
import { refreshDateHeader } from '../http/http-date';
import { modDirlisting } from '../modules/mod-dirlisting';
import { modIndexfile } from '../modules/mod-indexfile';
import { modStaticfile } from '../modules/mod-staticfile';
import type { RequestModule } from '../modules/request-module';
import { StatCache, type StatCacheEngine } from '../modules/stat-cache';
import { ConfigSnapshots, type ConditionEvaluator } from './config-snapshots';
import { serveErrors } from './errors';
import type { ListenSpec } from './listen-specs';

/** Built-in request modules by server.modules name, in lighttpd's handler order. */
export const BUILTIN_MODULES: Readonly<Record<string, RequestModule>> = Object.freeze({
  mod_indexfile: modIndexfile,
  mod_dirlisting: modDirlisting,
  mod_staticfile: modStaticfile,
});

/** Seconds a closed connection may linger for the peer's FIN before it is destroyed. */
const LINGER_SECONDS = 5;

export interface HttpServerOptions {
  readonly tree: ConfigTree;
  readonly validation: ValidationResult;
  /** server.modules as loaded (names without a built-in module are skipped). */
  readonly modules: readonly string[];
  readonly log: ServiceLog;
  readonly evaluator?: ConditionEvaluator;
}

interface Listener {
  readonly spec: ListenSpec;
  readonly server: net.Server;
}

export class HttpServer implements ConnectionOwner {
  readonly snapshots: ConfigSnapshots;
  readonly handlerContext: RequestHandlerContext;
  readonly parserOptions: RequestParserOptions;
  readonly log: ServiceLog;
  readonly statCache: StatCache;
  stopping = false;
  now = Math.floor(Date.now() / 1000);
  private readonly connections = new Set<HttpConnection>();
  private readonly listeners: Listener[] = [];
  private trigger: NodeJS.Timeout | null = null;
  private stopWaiters: (() => void)[] = [];

  constructor(options: HttpServerOptions) {
    this.log = options.log;
    this.snapshots = new ConfigSnapshots(options.tree, options.validation, options.evaluator);
    const engine = this.snapshots.globalValue('server.stat-cache-engine');
    const statEngine: StatCacheEngine = engine === 'disable' || engine === 'none' ? 'disable' : 'simple';
    this.statCache = new StatCache(statEngine, () => this.now);
    const modules: RequestModule[] = [];
    for (const name of options.modules) {
      const m = BUILTIN_MODULES[name];
      if (m !== undefined) modules.push(m);
    }
    this.handlerContext = { snapshots: this.snapshots, modules, services: { statCache: this.statCache } };
    const field = this.snapshots.globalValue('server.max-request-field-size');
    this.parserOptions = {
      maxRequestHeaderSize: typeof field === 'number' && field > 0 ? field : 8192,
      // per-request limits are checked against the request's snapshot by the connection
      maxRequestSize: 0,
      rejectUnknownExpect: this.snapshots.globalValue('server.reject-expect-100-with-417') !== false,
    };
  }

  /** Opens every socket (all or nothing); resolves once all listen. */
  async listen(specs: readonly ListenSpec[]): Promise<void> {
    const backlogV = this.snapshots.globalValue('server.listen-backlog');
    const backlog = typeof backlogV === 'number' && backlogV > 0 ? backlogV : 1024;
    for (const spec of specs) {
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false, noDelay: true });
      server.on('connection', (socket) => this.accept(socket, spec.key));
      if (spec.path !== null) removeStaleUnixSocket(spec.path);
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error): void => reject(serveErrors.listen(spec.key, err.message));
        server.once('error', onError);
        const done = (): void => {
          server.off('error', onError);
          resolve();
        };
        if (spec.path !== null) server.listen({ path: spec.path, backlog }, done);
        else server.listen({ host: spec.host ?? undefined, port: spec.port, backlog }, done);
      }).catch((err: unknown) => {
        this.closeListeners();
        throw err;
      });
      const perms = this.snapshots.globalValue('server.socket-perms');
      if (spec.path !== null && typeof perms === 'string' && /^[0-7]+$/.test(perms)) fs.chmodSync(spec.path, parseInt(perms, 8));
      server.on('error', (err) => this.log.error(`listener ${spec.key}: ${err.message}`));
      this.listeners.push({ spec, server });
    }
    this.trigger = setInterval(() => this.tick(), 1000);
  }

  /** Where each socket listens: "127.0.0.1:8080" (the real port when 0 was configured) or a path. */
  addresses(): string[] {
    return this.listeners.map(({ server, spec }) => {
      const a = server.address();
      if (a === null || typeof a === 'string') return spec.path ?? String(a);
      return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private accept(socket: net.Socket, key: string): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    this.connections.add(new HttpConnection(socket, this, key));
  }

  connectionClosed(conn: HttpConnection): void {
    this.connections.delete(conn);
    if (this.stopping && this.connections.size === 0) this.resolveStop();
  }

  /** The 1-second trigger: clock, Date header, idle and linger timeouts (no timer per connection). */
  private tick(): void {
    this.now = Math.floor(Date.now() / 1000);
    refreshDateHeader();
    const now = this.now;
    const conf = this.snapshots.global;
    for (const c of this.connections) {
      if (c.state === 'close') {
        if (now - c.closedAt > LINGER_SECONDS) c.socket.destroy();
      } else if (c.isWriting) {
        if (now - c.lastWrite > conf.maxWriteIdle) c.socket.destroy();
      } else if (!c.inRequest) {
        const limit = c.requestCount > 0 ? conf.maxKeepAliveIdle : conf.maxReadIdle;
        if (now - c.lastRead > limit) c.close();
      } else if (now - c.lastRead > conf.maxReadIdle && now - c.lastWrite > conf.maxReadIdle) {
        c.close();
      }
    }
  }

  private closeListeners(): void {
    for (const { server } of this.listeners.splice(0)) server.close();
  }

  private resolveStop(): void {
    if (this.trigger !== null) clearInterval(this.trigger);
    this.trigger = null;
    for (const w of this.stopWaiters.splice(0)) w();
  }

  /** Graceful stop: stop accepting, close idle keep-alive connections, let requests in progress finish. */
  gracefulStop(): Promise<void> {
    this.stopping = true;
    this.closeListeners();
    const done = new Promise<void>((resolve) => this.stopWaiters.push(resolve));
    for (const c of this.connections) if (c.idle) c.close();
    if (this.connections.size === 0) this.resolveStop();
    return done;
  }

  /** Immediate stop: every connection is dropped. */
  immediateStop(): void {
    this.stopping = true;
    this.closeListeners();
    for (const c of this.connections) c.socket.destroy();
    this.resolveStop();
  }
}

/** A unix socket path left by a previous run would make listen() fail with EADDRINUSE. */
function removeStaleUnixSocket(path: string): void {
  try {
    if (fs.lstatSync(path).isSocket()) fs.unlinkSync(path);
  } catch {
    // nothing there
  }
}
