// One worker pool: its children, scoreboard and process manager (php-fpm's fpm_worker_pool.c,
// fpm_children.c and the per-pool half of fpm_process_ctl.c): static keeps pm.max_children;
// dynamic keeps min/max_spare_servers with a doubling spawn rate; ondemand starts children
// when a connection waits and none is idle, and retires them after pm.process_idle_timeout.
import type net from 'node:net';
import { DEFAULT_GRACEFUL_TIMEOUT_MS, FixedSlots, type WorkerExit } from '@libs/process';
import type { ServiceLog } from '@libs/log';
import type { PmStyle, PoolConfig } from '../config';
import type { PoolScoreboard } from '../status/scoreboard';
import type { FpmMasterMessage, FpmWorkerReport } from '../worker/worker-messages';
import { readListenQueue } from './listen-queue';
import type { PoolSocket } from './listen-socket';
import { PoolChild, type FpmChildTag, type FpmMember, type FpmWorkerGroup } from './pool-child';
import { PoolLogFiles } from './pool-log-files';
import { jsWorkerSpec, poolCredentials, programSpec, withProcessLimits, type Credentials, type WorkerCommand } from './worker-spawn';

/** What a pool needs from its master. */
export interface PoolContext {
  readonly log: ServiceLog;
  /** The master's one worker group: every pool's children are its members. */
  readonly group: FpmWorkerGroup;
  readonly workerCommand: WorkerCommand;
  readonly env: NodeJS.ProcessEnv;
  /** Master state is normal and process.max leaves room for one more child. */
  canSpawn(): boolean;
  /** process_control_timeout in ms (0: not set). */
  readonly processControlTimeoutMs: number;
}

export type StopMode = 'graceful' | 'immediate';

/** How long a status page waits for the other workers' activity reports. */
const ACTIVITY_QUERY_WAIT_MS = 100;

/** The group's heartbeat goes out every second: silence shorter than the timeout plus this is not yet a stuck loop. */
const HEARTBEAT_SLACK_MS = 1500;

/**
 * A worker told to end a timed-out request reports it gone within milliseconds unless its event
 * loop is blocked; still reported after this long (the next maintenance), the worker is ended.
 */
const TERMINATE_REPLY_MS = 900;

/** How long a handed connection counts as "about to be a request" (see PoolChild.expireHanded). */
const HANDED_GRACE_MS = 2000;

export class Pool {
  readonly children = new Set<PoolChild>();
  readonly startEpoch = Math.floor(Date.now() / 1000);
  /** The pm really applied (external programs only support static, see constructor). */
  readonly pm: PmStyle;
  private acceptedConn = 0;
  private maxActive = 0;
  private maxChildrenReached = 0;
  private slowRequests = 0;
  private listenQueue = 0;
  private maxListenQueue = 0;
  private listenQueueLen = 0;
  private spawnRate = 1;
  private warnMaxChildren = false;
  private retired = false;
  /** pm = static: pm.max_children slots, each refilled when its child dies (fixed-slots.ts). */
  private slots: FixedSlots<FpmWorkerReport, FpmMasterMessage, FpmChildTag> | undefined;
  /** Ondemand connections accepted while no child could take them yet. */
  private readonly waiting: net.Socket[] = [];
  /** Status pages waiting for the other workers' activity reports. */
  private readonly activityWaiters = new Set<(child: PoolChild) => void>();
  private readonly credentials: Credentials;
  /** access.log and slowlog, opened here for the JavaScript workers (null for program pools). */
  private readonly logFiles: PoolLogFiles | null;

  constructor(
    readonly config: Readonly<PoolConfig>,
    readonly socket: PoolSocket,
    private readonly ctx: PoolContext,
  ) {
    this.credentials = poolCredentials(config);
    this.logFiles = config.program === null ? new PoolLogFiles(config) : null;
    if (config.program !== null && config.pm !== 'static') {
      // Without request reports the master cannot tell idle children from busy ones, so spare
      // counting and idle retirement are impossible: run pm.max_children children, as static.
      ctx.log.warn(
        `[pool ${config.name}] pm = ${config.pm} needs request visibility that an external program does not give; running pm.max_children = ${config['pm.max_children']} children as pm = static`,
      );
      this.pm = 'static';
    } else {
      this.pm = config.pm;
    }
  }

  get name(): string {
    return this.config.name;
  }

  get isProgram(): boolean {
    return this.config.program !== null;
  }

  /** Children still counted by the pm (not draining). */
  get countedChildren(): PoolChild[] {
    return [...this.children].filter((c) => c.counted);
  }

  /** process_control_timeout; php-fpm's graceful stop has no bound when it is 0, ours the library's default. */
  private get gracefulTimeoutMs(): number {
    const pct = this.ctx.processControlTimeoutMs;
    return pct > 0 ? pct : DEFAULT_GRACEFUL_TIMEOUT_MS;
  }

  /** Starts the first children (fpm_children_create_initial) and returns them. */
  start(): FpmMember[] {
    if (this.pm === 'ondemand') this.socket.gate((conn) => this.onGateConnection(conn), this.config['listen.backlog']);
    if (this.pm === 'static') return this.startSlots();
    const started: FpmMember[] = [];
    const initial = this.pm === 'dynamic' ? this.config['pm.start_servers'] : 0;
    for (let i = 0; i < initial && this.ctx.canSpawn(); i++) started.push(this.spawnChild('debug').member);
    return started;
  }

  /** The once-a-second work (the group's tick, after its heartbeat): request timeouts, spares, idle retirement. */
  maintain(): void {
    if (this.retired) return;
    const now = performance.now();
    this.checkRequests(now);
    this.updateListenQueue();
    for (const child of this.children) child.expireHanded(now, HANDED_GRACE_MS);
    if (!this.ctx.canSpawn()) return;
    for (const conn of this.waiting.splice(0)) this.dispatch(conn);
    if (this.slots) return this.slots.refill();
    if (this.pm === 'ondemand') return this.retireIdleOndemand(now);
    this.manageSpares();
  }

  scoreboard(): PoolScoreboard {
    const now = performance.now();
    const processes = [...this.children].filter((c) => c.worker.state !== 'exited').map((c) => c.slot(now));
    const active = processes.filter((p) => p.state !== 'Idle').length;
    return {
      pool: this.name,
      processManager: this.pm,
      startTime: this.startEpoch,
      acceptedConn: this.acceptedConn,
      listenQueue: this.listenQueue,
      maxListenQueue: this.maxListenQueue,
      listenQueueLen: this.listenQueueLen,
      idle: processes.length - active,
      active,
      total: processes.length,
      maxActive: this.maxActive,
      maxChildrenReached: this.maxChildrenReached,
      slowRequests: this.slowRequests,
      processes,
    };
  }

  /**
   * SIGUSR1: the pool's files are opened again and its JavaScript workers, which hold the old
   * descriptors, are replaced gracefully (a successor starts first). Returns whether the access
   * log could be opened again, null without one.
   */
  reopenLogs(): boolean | null {
    if (this.logFiles === null || !this.logFiles.any) return null;
    const reopened = this.logFiles.reopen();
    if (this.retired) return reopened;
    for (const child of [...this.children]) {
      if (!child.counted) continue;
      child.endReason = 'logs-reopened';
      this.startSuccessor(child);
      void child.worker.stop({ graceful: true, gracefulTimeoutMs: this.gracefulTimeoutMs, termTimeoutMs: 1000 });
    }
    return reopened;
  }

  /** Every child stops; no more are started. Resolves when the last one has been reaped. */
  stopAll(mode: StopMode): Promise<void> {
    this.retired = true;
    this.slots?.close();
    for (const conn of this.waiting.splice(0)) conn.destroy();
    for (const child of this.children) if (child.endReason === undefined) child.endReason = 'retired';
    const exits = this.ctx.group.stop(
      [...this.children].map((child) => child.member),
      { graceful: mode === 'graceful', gracefulTimeoutMs: this.gracefulTimeoutMs, termTimeoutMs: Math.max(this.ctx.processControlTimeoutMs, 1000) },
    );
    return exits.then(() => this.closeLogFiles());
  }

  /** For a pool that never started (a reload that failed further on) and one whose children are gone. */
  closeLogFiles(): void {
    this.logFiles?.close();
  }

  /**
   * Starts one child. `startedLogLevel` follows fpm_children_make()'s is_debug: debug for children
   * the pm starts on its own account (start-up, spares, ondemand), notice for replacements.
   */
  private spawnChild(startedLogLevel: 'notice' | 'debug'): PoolChild {
    const { config, ctx } = this;
    const spec = withProcessLimits(
      config.program !== null
        ? programSpec(config, config.program, this.socket.fd, this.credentials, ctx.env)
        : jsWorkerSpec(config, ctx.workerCommand, this.socket.fd, this.pm === 'ondemand', this.credentials, ctx.env, this.logFiles?.fds),
      config,
    );
    spec.startedLogLevel = startedLogLevel;
    if (config.catch_workers_output) {
      spec.output = (line, stream, pid) =>
        ctx.log.warn(config.decorate_workers_output ? `[pool ${config.name}] child ${pid} said into ${stream}: "${line}"` : line);
    } else {
      spec.output = 'ignore';
    }
    const member = ctx.group.spawn(spec, { endReason: undefined });
    const child = new PoolChild(member, config.program === null);
    const worker = member.worker;
    this.children.add(child);
    worker.on('message', (msg) => this.onReport(child, msg));
    worker.on('ready', () => child.flushQueued());
    worker.on('exit', (exit) => this.onExit(child, exit));
    return child;
  }

  private onReport(child: PoolChild, msg: FpmWorkerReport): void {
    switch (msg.type) {
      case 'activity': {
        this.acceptedConn += child.applyActivity(msg);
        for (const waiter of [...this.activityWaiters]) waiter(child);
        let active = 0;
        for (const c of this.children) if (c.running.length > 0) active++;
        this.maxActive = Math.max(this.maxActive, active);
        return;
      }
      case 'scoreboard-query':
        this.answerScoreboard(child, msg.id);
        return;
      case 'log':
        this.ctx.log[msg.level](msg.message);
        return;
      case 'retiring':
        // pm.max_requests: the worker drains and exits 0 by itself; its successor starts now so
        // the pool never runs short while it drains (php-fpm respawns at the exit instead).
        if (child.endReason !== undefined) return;
        child.endReason = 'max-requests';
        if (!this.retired) this.startSuccessor(child);
        return;
    }
  }

  /**
   * A status page: the other JavaScript workers are asked for their activity of this moment
   * (they report every few milliseconds otherwise), then the page gets the scoreboard.
   */
  private answerScoreboard(asker: PoolChild, id: number): void {
    const pending = new Set<PoolChild>();
    for (const c of this.children) {
      if (c === asker || !c.reports || c.worker.state !== 'ready') continue;
      if (c.worker.send({ type: 'activity-query' })) pending.add(c);
    }
    const answer = (): void => void asker.worker.send({ type: 'scoreboard', id, board: this.scoreboard() });
    if (pending.size === 0) return answer();
    const onActivity = (from: PoolChild): void => {
      if (pending.delete(from) && pending.size === 0) done();
    };
    const done = (): void => {
      clearTimeout(timer);
      this.activityWaiters.delete(onActivity);
      answer();
    };
    // A worker busy in a long synchronous handler cannot answer: the page does not wait for it.
    const timer = setTimeout(done, ACTIVITY_QUERY_WAIT_MS);
    this.activityWaiters.add(onActivity);
  }

  /**
   * pm = static as fixed slots: a slot's child that dies is replaced at once, unless it could not
   * be spawned or died before it was ready: then the next maintenance refills the slot, so a
   * worker that cannot start does not turn into a fork loop.
   */
  private startSlots(): FpmMember[] {
    this.slots = new FixedSlots(this.ctx.group, {
      size: this.config['pm.max_children'],
      spawn: (_slot, cause) => (this.ctx.canSpawn() ? this.spawnChild(cause === 'start' ? 'debug' : 'notice').member : undefined),
      respawnAtOnce: (exit, member) => !exit.spawnError && member.worker.readyAt !== undefined,
    });
    const started = this.slots.start();
    this.slots.keepFilled();
    return started;
  }

  /**
   * A child drains (max_requests, reopened logs): its successor starts now, so the pool never runs
   * short while it does (php-fpm respawns at the exit instead). Ondemand starts children on demand only.
   */
  private startSuccessor(child: PoolChild): void {
    if (this.slots) return this.slots.handOver(child.member);
    if (this.pm !== 'ondemand' && this.ctx.canSpawn()) this.spawnChild('notice');
  }

  private onExit(child: PoolChild, exit: WorkerExit): void {
    this.children.delete(child);
    for (const conn of child.takeQueued()) this.dispatch(conn);
    // Static slots are refilled by their policy (startSlots); the group counts failures.
    if (this.slots || this.retired || !this.ctx.canSpawn()) return;
    if (child.endReason !== undefined && child.endReason !== 'timed-out') return;
    // As for static slots: a child that could not be spawned, or died before it was ready, is
    // replaced by the next maintenance (dynamic refills there) rather than at once.
    if (exit.spawnError || (child.worker.readyAt === undefined && this.pm !== 'ondemand')) return;
    // fpm_children_bury(): every other exit is replaced by one new child.
    this.spawnChild('notice');
  }

  /** request_terminate_timeout and request_slowlog_timeout (fpm_request_check_timed_out). */
  private checkRequests(now: number): void {
    const terminate = this.config.request_terminate_timeout;
    const slowlog = this.config.request_slowlog_timeout;
    if (terminate === 0 && slowlog === 0) return;
    for (const child of this.children) {
      if (terminate > 0 && child.endReason !== 'timed-out' && child.running.length === 0) this.checkSilent(child, now, terminate);
      for (const request of child.running) {
        const elapsedMs = now - request.startedAt;
        const r = request.report;
        const what = `child ${child.pid}, script '${r.script}' (request: "${r.method} ${r.uri}")`;
        if (slowlog > 0 && !request.slow && elapsedMs >= slowlog * 1000) {
          request.slow = true;
          this.slowRequests++;
          this.ctx.log.warn(`[pool ${this.name}] ${what} executing too slow (${seconds(elapsedMs)} sec), logging`);
        }
        if (terminate > 0 && child.endReason !== 'timed-out' && elapsedMs >= terminate * 1000) this.terminateRequest(child, request, what, elapsedMs, now);
      }
    }
  }

  /**
   * request_terminate_timeout (fpm_request_check_timed_out). php-fpm's child runs one request, so
   * it kills the child; a JavaScript worker runs several, so the worker is told to end this one
   * alone. A worker that still reports it a maintenance later could not: its event loop is
   * blocked (a synchronous handler), and only then is the worker terminated, as php-fpm would.
   */
  private terminateRequest(child: PoolChild, request: PoolChild['running'][number], what: string, elapsedMs: number, now: number): void {
    if (request.terminateSentAt === undefined) {
      this.ctx.log.warn(`[pool ${this.name}] ${what} execution timed out (${seconds(elapsedMs)} sec), terminating`);
      request.terminateSentAt = now;
      if (child.worker.send({ type: 'terminate-request', id: request.id })) return;
    } else if (now - request.terminateSentAt < TERMINATE_REPLY_MS) {
      return;
    }
    child.endReason = 'timed-out';
    // Not "expected": the exit is logged as a warning, as php-fpm logs its SIGTERM'ed child.
    child.worker.kill('SIGTERM', false);
  }

  /**
   * A worker reports its requests at most every few milliseconds, so a handler that blocks the
   * event loop right after a report may never be seen running. Its worker stops answering the
   * heartbeat (sent every second) as well: silent for longer than request_terminate_timeout, it
   * is ended the same way, with the line naming what is known.
   */
  private checkSilent(child: PoolChild, now: number, terminate: number): void {
    const silentMs = this.ctx.group.silenceMs(child.member, now);
    if (silentMs === undefined || silentMs < terminate * 1000 + HEARTBEAT_SLACK_MS) return;
    child.endReason = 'timed-out';
    this.ctx.log.warn(
      `[pool ${this.name}] child ${child.pid}, script '-' (request: "- -") execution timed out (${seconds(silentMs)} sec), terminating` +
        ' (its event loop is blocked; the request was not reported yet)',
    );
    child.worker.kill('SIGTERM', false);
  }

  private updateListenQueue(): void {
    const address = this.socket.address;
    if (address?.kind !== 'tcp') return;
    const q = readListenQueue(address.port);
    this.listenQueue = q.current;
    this.listenQueueLen = q.max;
    this.maxListenQueue = Math.max(this.maxListenQueue, q.current);
  }

  /** fpm_pctl_perform_idle_server_maintenance() for pm = dynamic. */
  private manageSpares(): void {
    const cfg = this.config;
    const counted = this.countedChildren;
    const idleChildren = counted.filter((c) => c.idle);
    const idle = idleChildren.length;
    const running = counted.length;
    this.ctx.log.debug(
      `[pool ${this.name}] currently ${running - idle} active children, ${idle} spare children, ${running} running children. Spawning rate ${this.spawnRate}`,
    );
    if (idle > cfg['pm.max_spare_servers']) {
      const oldest = idleChildren.reduce((a, b) => (b.worker.startedAt < a.worker.startedAt ? b : a));
      this.retireIdle(oldest);
      this.spawnRate = 1;
      return;
    }
    if (idle >= cfg['pm.min_spare_servers']) {
      this.spawnRate = 1;
      return;
    }
    const room = cfg['pm.max_children'] - running;
    if (room <= 0) {
      this.reachedMaxChildren('pm.max_children');
      this.spawnRate = 1;
      return;
    }
    if (this.spawnRate >= 8) {
      this.ctx.log.warn(
        `[pool ${this.name}] seems busy (you may need to increase pm.start_servers, or pm.min/max_spare_servers), spawning ${this.spawnRate} children, there are ${idle} idle, and ${running} total children`,
      );
    }
    const toSpawn = Math.min(this.spawnRate, cfg['pm.min_spare_servers'] - idle, room);
    this.warnMaxChildren = false;
    let spawned = 0;
    for (; spawned < toSpawn && this.ctx.canSpawn(); spawned++) this.spawnChild('debug');
    if (spawned > 0) this.ctx.log.debug(`[pool ${this.name}] ${spawned} child(ren) have been created dynamically`);
    if (this.spawnRate < cfg['pm.max_spawn_rate']) this.spawnRate = Math.min(this.spawnRate * 2, cfg['pm.max_spawn_rate']);
  }

  private retireIdleOndemand(now: number): void {
    const counted = this.countedChildren;
    const idle = counted.filter((c) => c.idle && c.worker.state === 'ready');
    this.ctx.log.debug(`[pool ${this.name}] currently ${counted.length - idle.length} active children, ${idle.length} spare children`);
    if (idle.length === 0) return;
    const oldest = idle.reduce((a, b) => (b.worker.startedAt < a.worker.startedAt ? b : a));
    if (now - oldest.lastActivity > this.config['pm.process_idle_timeout'] * 1000) this.retireIdle(oldest);
  }

  /** php-fpm's idle_kill: SIGQUIT to the child, not respawned. */
  private retireIdle(child: PoolChild): void {
    child.endReason = 'pm-idle';
    void child.worker.stop({ graceful: true, gracefulTimeoutMs: this.gracefulTimeoutMs, termTimeoutMs: 1000 });
  }

  private reachedMaxChildren(setting: string): void {
    if (this.warnMaxChildren) return;
    this.warnMaxChildren = true;
    this.maxChildrenReached++;
    this.ctx.log.warn(`[pool ${this.name}] server reached ${setting} setting (${this.config['pm.max_children']}), consider raising it`);
  }

  /** fpm_pctl_on_socket_accept(): a connection waits; an idle child takes it, or a new one is started. */
  private onGateConnection(conn: net.Socket): void {
    if (this.retired) {
      conn.destroy();
      return;
    }
    this.dispatch(conn);
  }

  private dispatch(conn: net.Socket): void {
    const counted = this.countedChildren;
    const idle = counted.find((c) => c.idle);
    if (idle) return idle.deliver(conn);
    if (counted.length < this.config['pm.max_children'] && this.ctx.canSpawn()) {
      this.warnMaxChildren = false;
      const child = this.spawnChild('debug');
      this.ctx.log.debug(`[pool ${this.name}] got accept without idle child available .... I forked`);
      return child.deliver(conn);
    }
    if (counted.length >= this.config['pm.max_children']) this.reachedMaxChildren('max_children');
    // Every child busy and no room for another: a JavaScript worker serves requests
    // concurrently, so the least busy one takes the connection rather than leaving it waiting.
    const least = counted.reduce<PoolChild | undefined>((a, b) => (a === undefined || b.load < a.load ? b : a), undefined);
    if (least) least.deliver(conn);
    else this.waiting.push(conn);
  }
}

/** php-fpm's "%d.%06d" seconds. */
function seconds(ms: number): string {
  const us = Math.round(ms * 1000);
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
}
