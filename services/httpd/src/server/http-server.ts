// One serving process on @libs/fdevent and @libs/plugins: server sockets (configured and systemd
// activated), the connection registry with accept gating, idle timeouts and traffic shaping driven
// by the 1-second trigger, plugin dispatch tables and per-request config (lighttpd 1.4.69 server.c
// main loop, server_handle_sigalrm, graceful_shutdown; plugin.c; configfile-glue.c).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type net from 'node:net';
import os from 'node:os';
import {
  FdEvent,
  openServerSockets,
  type Connection,
  type InheritedSocket,
  type ServerSocket,
  type ServerSocketConfig,
} from '@libs/fdevent';
import type { ServiceLog } from '@libs/log';
import { ConfigConditions, HandlerResult, ModuleConfig, PluginDispatcher, REQUEST_HOOKS, type RequestConditions, type RequestHook } from '@libs/plugins';
import type { Condition, ConfigTree, TypedValue, ValidationResult } from '../config';
import { takeAcceptedIntoBuffer } from '../connection/client-reads';
import { H1Connection, type ConnectionOwner } from '../connection/h1-connection';
import { CORE_REQUEST_DIRECTIVES, coreConfig, type CoreConfig } from '../core/core-config';
import type { ConnectionView, HttpPlugin, ServerView } from '../core/plugin';
import type { Request } from '../core/request';
import type { RequestEnv } from '../core/request-env';
import { StatCache, type StatCacheEngine } from '../core/stat-cache';
import type { StatusGatherer, WorkerStatusReport } from '../core/worker-status';
import type { RequestParserOptions } from '../http/request-parser';
import { httpConditionEvaluator, isSocketCondition } from './conditions';
import { serveErrors } from './errors';
import { featureInt } from './feature-flags';
import { targetIds } from './privileges';
import { isWorker } from './worker-role';

export interface HttpServerOptions {
  readonly tree: ConfigTree;
  readonly validation: ValidationResult;
  /** The loaded modules in server.modules order (see server/plugins.ts). */
  readonly plugins: readonly HttpPlugin[];
  readonly log: ServiceLog;
  /** -i: stop gracefully after this many seconds without a connection (0: never). */
  readonly idleLimit?: number;
}

export interface ListenOptions {
  readonly sockets: readonly ServerSocketConfig[];
  /** Sockets passed by systemd (listenFds()). */
  readonly inherited?: readonly InheritedSocket[];
  /** -1: open the sockets but accept nothing on them. */
  readonly acceptNothing?: boolean;
  /** Take `inherited` as this server's sockets whatever server.systemd-socket-activation says (a worker's from its watcher). */
  readonly adoptInherited?: boolean;
  /**
   * Graceful restart: the previous configuration's sockets, and `release`, which makes it stop
   * accepting on them; called only once every new address is bound.
   */
  readonly reuse?: { readonly sockets: readonly ServerSocket[]; release(): void };
}

/** lighttpd's default server.upload-temp-file-size (16 MiB per temp file). */
const UPLOAD_TEMP_FILE_SIZE = 16 * 1024 * 1024;

export class HttpServer implements ConnectionOwner, RequestEnv, ServerView {
  readonly dispatcher: PluginDispatcher<Request, ConnectionView, ServerView>;
  readonly conditions: ConfigConditions<Condition, Request>;
  /** The core's per-request directives (server.document-root, ...) and their global values. */
  readonly core: ModuleConfig;
  readonly globalConf: CoreConfig;
  readonly parserOptions: RequestParserOptions;
  readonly log: ServiceLog;
  readonly statCache: StatCache;
  readonly fdevent: FdEvent;
  readonly uploadDirs: readonly string[];
  readonly uploadTempFileSize: number;
  stopping = false;
  /** The watcher's generation of this worker (0 without a watcher). */
  generation = 0;
  /** Where gatherStatus() gets every worker's report; a worker asks its watcher instead. */
  statusGatherer: StatusGatherer = () => Promise.resolve([this.statusReport()]);
  private readonly startedAt = Date.now();
  private readonly statusSections = new Map<string, () => unknown>();
  /** Requests of connections already closed (live ones count their own). */
  private closedRequests = 0;
  private readonly globals: ReadonlyMap<string, TypedValue>;
  private readonly connections = new Set<H1Connection>();
  /** How many loaded modules have each request hook. */
  private readonly hookCounts: Readonly<Record<RequestHook, number>>;
  private sockets: ServerSocket[] = [];
  private readonly unsubscribe: () => void;
  private stopWaiters: (() => void)[] = [];
  private readonly idleLimit: number;
  private lastActive: number;
  private idleStopHandler: (() => void) | null = null;
  /** Trigger second after which a graceful stop drops what is left (0: none yet). */
  private gracefulExpireAt = 0;
  private stopped = false;

  constructor(options: HttpServerOptions) {
    this.log = options.log;
    const values = new Map<string, TypedValue>();
    for (const [k, d] of options.validation.contexts[0]?.values ?? []) values.set(k, d.value);
    this.globals = values;
    const compile = { isSocketCondition, log: options.log };
    this.dispatcher = new PluginDispatcher(options.plugins);
    const counts = {} as Record<RequestHook, number>;
    for (const h of REQUEST_HOOKS) counts[h] = this.dispatcher.count(h);
    this.hookCounts = counts;
    this.dispatcher.setDefaults(options.tree, compile);
    this.core = ModuleConfig.compile(CORE_REQUEST_DIRECTIVES, options.tree, compile);
    this.globalConf = coreConfig(this.core.defaults);
    this.conditions = new ConfigConditions(options.tree, httpConditionEvaluator);
    const engine = this.globalValue('server.stat-cache-engine');
    const statEngine: StatCacheEngine = engine === 'disable' || engine === 'none' ? 'disable' : 'simple';
    const field = this.globalValue('server.max-request-field-size');
    this.parserOptions = {
      maxRequestHeaderSize: typeof field === 'number' && field > 0 ? field : 8192,
      // per-request limits are checked against the request's config by the connection
      maxRequestSize: 0,
      rejectUnknownExpect: this.globalValue('server.reject-expect-100-with-417') !== false,
    };
    const maxConns = this.globalValue('server.max-connections');
    const maxFds = this.globalValue('server.max-fds');
    const g = this.globalConf;
    this.fdevent = new FdEvent({
      log: options.log,
      maxConnections: typeof maxConns === 'number' ? maxConns : 0,
      ...(typeof maxFds === 'number' && maxFds > 0 ? { maxFds } : {}),
      connectionLimits: {
        maxReadIdle: g['server.max-read-idle'],
        maxKeepAliveIdle: g['server.max-keep-alive-idle'],
        maxWriteIdle: g['server.max-write-idle'],
        kbytesPerSecond: g['connection.kbytes-per-second'],
      },
      onConnection: (conn, s) => this.accept(conn, s),
      takeAccepted: takeAcceptedIntoBuffer,
    });
    const trigger = this.fdevent.trigger;
    this.statCache = new StatCache(statEngine, () => trigger.now);
    const dirs = this.globalValue('server.upload-dirs');
    this.uploadDirs = Array.isArray(dirs) && dirs.length > 0 ? (dirs as readonly string[]) : ['/var/tmp', os.tmpdir()];
    const tempSize = this.globalValue('server.upload-temp-file-size');
    this.uploadTempFileSize = typeof tempSize === 'number' && tempSize > 0 ? tempSize : UPLOAD_TEMP_FILE_SIZE;
    this.idleLimit = options.idleLimit ?? 0;
    this.lastActive = trigger.now;
    this.unsubscribe = trigger.subscribe((now) => this.tick(now));
  }

  /** RequestEnv and ConnectionOwner: what requests and connections use of the server. */
  get env(): RequestEnv {
    return this;
  }

  get now(): number {
    return this.fdevent.trigger.now;
  }

  get httpDate(): string {
    return this.fdevent.trigger.httpDate;
  }

  conditionsFor(r: Request): RequestConditions<Condition, Request> {
    return this.conditions.forRequest(r);
  }

  moduleConfig(name: string): ModuleConfig | undefined {
    return this.dispatcher.moduleConfig(name);
  }

  callRequest(hook: RequestHook, r: Request): HandlerResult {
    // hooks no loaded module has (most of them, on most servers) cost one lookup
    return this.hookCounts[hook] === 0 ? HandlerResult.GoOn : this.dispatcher.callRequest(hook, r);
  }

  subrequest(r: Request): HandlerResult {
    return this.dispatcher.subrequest(r.handler as HttpPlugin, r);
  }

  readonly watcherWorker = isWorker();

  get childCredentials(): { uid: number | undefined; gid: number | undefined } | null {
    const user = this.globalValue('server.username');
    const group = this.globalValue('server.groupname');
    return targetIds(typeof user === 'string' ? user : '', typeof group === 'string' ? group : '');
  }

  spawn(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const ids = this.childCredentials;
    const child = spawn(command, args, { stdio: 'ignore', ...(ids?.uid !== undefined ? { uid: ids.uid } : {}), ...(ids?.gid !== undefined ? { gid: ids.gid } : {}), ...options });
    const pid = child.pid ?? -1;
    // wait(2)'s status word: exit code << 8, or the signal number
    child.once('exit', (code, signal) => this.dispatcher.waitpid(this, pid, signal !== null ? (os.constants.signals[signal] ?? 0) : (code ?? 0) << 8));
    return child;
  }

  publishStatus(module: string, section: () => unknown): void {
    this.statusSections.set(module, section);
  }

  gatherStatus(): Promise<readonly WorkerStatusReport[]> {
    return this.statusGatherer();
  }

  /** Requests started since this server began (counted when asked). */
  get requestsStarted(): number {
    let requests = this.closedRequests;
    for (const c of this.connections) requests += c.requestCount;
    return requests;
  }

  /** This process's own report (counted when asked, so requests pay nothing for it). */
  statusReport(): WorkerStatusReport {
    const requests = this.requestsStarted;
    const sections: Record<string, unknown> = {};
    for (const [name, section] of this.statusSections) sections[name] = section();
    return {
      pid: process.pid,
      startedAt: this.startedAt,
      generation: this.generation,
      connections: this.connections.size,
      requests,
      rss: process.memoryUsage.rss(),
      sections,
    };
  }

  schedule(conn: Connection): void {
    this.fdevent.joblist.append(conn);
  }

  connectionShutWr(c: H1Connection): void {
    this.dispatcher.callConnection('handleConnectionShutWr', c);
  }

  /** A validated directive of the global scope (server.port, server.max-fds, ...). */
  globalValue(key: string): TypedValue | undefined {
    return this.globals.get(key);
  }

  /**
   * Opens every socket (all or nothing) and starts accepting on them. With `reuse` (a graceful
   * restart), sockets the previous configuration already listens on are taken over open and only
   * new addresses are bound; the reused ones no configured address wants any more are returned,
   * for the caller to close once the previous configuration has drained.
   */
  async listen(options: ListenOptions): Promise<ServerSocket[]> {
    const activation = options.adoptInherited === true || this.globalValue('server.systemd-socket-activation') === true;
    const reuse = options.reuse?.sockets ?? [];
    const wanted = (s: ServerSocket): boolean => s.config === null || options.sockets.some((c) => c.address === s.config?.address);
    const kept = reuse.filter(wanted);
    const opened = await openServerSockets({
      sockets: options.sockets.filter((c) => !kept.some((s) => s.config?.address === c.address)),
      inherited: options.inherited ?? [],
      systemdSocketActivation: activation,
      // accepted sockets do not read until takeAcceptedIntoBuffer moved them to its buffer
      serverOptions: { allowHalfOpen: true, noDelay: true, pauseOnConnect: true },
      log: this.log,
    });
    options.reuse?.release();
    this.sockets = [...kept, ...opened];
    for (const s of this.sockets) {
      if (options.acceptNothing === true) s.pause();
      else this.fdevent.addServerSocket(s);
    }
    return reuse.filter((s) => !wanted(s));
  }

  /** The listening sockets this server accepts on. */
  get serverSockets(): readonly ServerSocket[] {
    return this.sockets;
  }

  /** Where each socket listens: "127.0.0.1:8080" (the real port when 0 was configured) or a path. */
  addresses(): string[] {
    return this.sockets.map((s) => s.label);
  }

  /**
   * -1: serves one connection that was accepted elsewhere (standard input) as if it came from the
   * socket with its local port (lighttpd server_oneshot_getsock), without keep-alive; resolves
   * once it closed.
   */
  serveOne(socket: net.Socket): Promise<void> {
    const port = socket.localPort;
    const s = this.sockets.find((x) => {
      const a = x.address();
      return a.kind === 'inet' && a.port === port;
    });
    const from = s ?? this.sockets[0];
    if (from === undefined) throw serveErrors.startup('no sockets configured');
    this.stopping = true;
    const done = new Promise<void>((resolve) => this.stopWaiters.push(resolve));
    this.fdevent.adopt(socket, from);
    return done;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  liveConnections(): Iterable<ConnectionView> {
    return this.connections;
  }

  get maxConnections(): number {
    return this.fdevent.maxConnections;
  }

  get moduleNames(): readonly string[] {
    return this.dispatcher.plugins.map((p) => p.name);
  }

  /** Called when a graceful stop began because of -i (the serve hook finishes the process). */
  onIdleStop(fn: () => void): void {
    this.idleStopHandler = fn;
  }

  private accept(conn: Connection, s: ServerSocket): void {
    this.lastActive = this.fdevent.trigger.now;
    const c = new H1Connection(conn, this, s.config?.address ?? s.label);
    this.connections.add(c);
    this.dispatcher.callConnection('handleConnectionAccept', c);
  }

  connectionClosed(c: H1Connection): void {
    if (!this.connections.delete(c)) return;
    this.closedRequests += c.requestCount;
    this.dispatcher.callConnection('handleConnectionClose', c);
    this.lastActive = this.fdevent.trigger.now;
    if (this.stopping && this.connections.size === 0) this.resolveStop();
  }

  /** The 1-second trigger: plugins' handleTrigger, then the -i idle limit (server_handle_sigalrm). */
  private tick(now: number): void {
    this.dispatcher.trigger(this);
    if (this.connections.size > 0) this.lastActive = now;
    if (this.stopping && this.gracefulExpireAt !== 0 && now >= this.gracefulExpireAt) {
      this.log.notice(`[note] graceful shutdown timeout, dropping ${this.connections.size} connection(s)`);
      this.immediateStop();
      return;
    }
    if (this.idleLimit > 0 && !this.stopping && this.idleLimit < now - this.lastActive) {
      this.log.notice(`[note] idle timeout ${this.idleLimit}s exceeded, initiating graceful shutdown`);
      this.idleStopHandler?.();
    }
  }

  private closeSockets(): void {
    for (const s of this.sockets.splice(0)) void s.close();
  }

  private resolveStop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    void this.fdevent.close();
    this.dispatcher.cleanup(this);
    for (const w of this.stopWaiters.splice(0)) w();
  }

  /**
   * Graceful stop: stop accepting and let requests in progress finish, for at most the
   * "server.graceful-shutdown-timeout" feature flag's seconds (lighttpd's default 8; 0: no limit).
   * Idle keep-alive connections: 'close' closes them now (lighttpd); 'answer' lets each send one
   * more request, answered with "Connection: close", so a client that just sent one does not see
   * its connection closed under it (a restart: someone else takes the new connections).
   */
  gracefulStop(idle: 'close' | 'answer' = 'close'): Promise<void> {
    this.closeSockets();
    return this.drain(idle);
  }

  /**
   * Graceful restart: stops accepting and hands the listening sockets, still open, to the next
   * configuration's server; requests in progress finish here, with this configuration.
   */
  handOver(): { sockets: ServerSocket[]; drained: Promise<void> } {
    const sockets = this.fdevent.releaseServerSockets();
    this.sockets = [];
    return { sockets, drained: this.drain('answer') };
  }

  private drain(idle: 'close' | 'answer'): Promise<void> {
    this.stopping = true;
    const timeout = featureInt(this.globalValue('server.feature-flags'), 'server.graceful-shutdown-timeout', 8);
    if (timeout > 0 && this.gracefulExpireAt === 0) this.gracefulExpireAt = this.now + timeout;
    const done = new Promise<void>((resolve) => this.stopWaiters.push(resolve));
    // 'answer': idle ones end with their next response, or at their keep-alive idle timeout
    if (idle === 'close') for (const c of this.connections) if (c.idle) c.close();
    if (this.connections.size === 0) this.resolveStop();
    return done;
  }

  /** Immediate stop: every connection is dropped. */
  immediateStop(): void {
    this.stopping = true;
    this.closeSockets();
    for (const c of this.connections) c.conn.socket.destroy();
    this.resolveStop();
  }
}
