// The fpm-ts master: php-fpm's fpm_process_ctl.c state machine (normal, reloading, finishing,
// terminating), the 1-second maintenance (fpm_pctl_perform_idle_server_maintenance_heartbeat, on
// the worker group's tick), emergency restart (fpm_children_bury, the group's crash-storm count),
// reload without closing listening sockets (nginx's reload order: new pools first, then the old
// ones quit), and the systemd side (fpm_systemd.c). Every pool's children are one worker group.
import {
  createSignalEvents,
  FPM_SIGNAL_INTENTS,
  WorkerGroup,
  type CrashStormLimits,
  type FpmIntent,
  type SignalEvents,
} from '@libs/process';
import { parseLogLevel, type ErrorLog } from '@libs/log';
import type { ActivatedSocket } from '@libs/systemd';
import { loadConfig, type FpmConfig, type PoolConfig } from '../config';
import { FpmError, logFpmError } from '../errors';
import { isFpmWorkerReport } from '../worker/worker-messages';
import { activatedKey, addressKey, describeAddress, parseListen, PoolSocket } from './listen-socket';
import { Pool, type PoolContext, type StopMode } from './pool';
import type { FpmWorkerGroup } from './pool-child';
import { SystemdReporter } from './systemd-reporter';
import type { WorkerCommand } from './worker-spawn';

export type MasterState = 'starting' | 'normal' | 'reloading' | 'finishing' | 'terminating';

export interface MasterOptions {
  readonly log: ErrorLog;
  readonly workerCommand: WorkerCommand;
  /** Sockets systemd passed; the one named like a pool becomes that pool's socket. */
  readonly activated: readonly ActivatedSocket[];
  readonly prefix: string | undefined;
  readonly requireUser: boolean;
  readonly env: NodeJS.ProcessEnv;
}

const MAINTENANCE_MS = 1000;
/** How long a reload waits for the new pools' first children before retiring the old ones anyway. */
const RELOAD_READY_TIMEOUT_MS = 10_000;

export class Master {
  state: MasterState = 'starting';
  private config: FpmConfig;
  private pools: Pool[] = [];
  /** Pools being retired by a reload: still stopped (and waited for) by a stop. */
  private readonly retiring = new Set<Pool>();
  private sockets = new Map<string, PoolSocket>();
  /** Reloads begun (SIGUSR2, emergency restart). */
  private reloads = 0;
  private readonly group: FpmWorkerGroup;
  private readonly systemd: SystemdReporter;
  private signals: SignalEvents<FpmIntent> | undefined;
  private finish: (code: number) => void = () => undefined;
  readonly finished: Promise<number>;

  constructor(
    config: FpmConfig,
    private readonly options: MasterOptions,
  ) {
    this.config = config;
    this.group = new WorkerGroup({
      log: options.log,
      isCustom: isFpmWorkerReport,
      heartbeatIntervalMs: MAINTENANCE_MS,
      crashStorm: crashStormLimits(config),
      // php-fpm counts failures towards emergency_restart_threshold; the exits we caused do not count.
      countsTowardsCrashStorm: (_exit, member) => this.state === 'normal' && member.tag.endReason === undefined,
    });
    this.group.on('crash-storm', (storm) => {
      this.log.warn(`${storm.line}, initiating reload`);
      void this.reload();
    });
    this.group.on('tick', () => this.maintain());
    this.systemd = new SystemdReporter(options.log, () => this.totals(), (maxAgeMs) => this.group.heartbeatProbe(maxAgeMs));
    this.finished = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  private get log(): ErrorLog {
    return this.options.log;
  }

  /** php-fpm's fpm_sockets_init_main(): every pool's socket. Throws (FpmError) when one cannot be had. */
  async bindSockets(): Promise<void> {
    this.sockets = await this.openSockets(this.config.pools, new Map());
  }

  /** php-fpm's fpm_run(): first children, timers, signals, on the sockets bindSockets() made. */
  async start(): Promise<void> {
    const sockets = this.sockets;
    this.pools = this.config.pools.map((cfg) => this.makePool(cfg, sockets));
    for (const fd of this.options.activated) {
      if (!this.config.pools.some((p) => p.name === fd.name)) this.log.warn(`socket activation: no pool is named '${fd.name}' (fd ${fd.fd}); ignoring it`);
    }
    this.state = 'normal';
    const ready = this.group.settled(this.pools.flatMap((p) => p.start()));
    this.group.start();
    this.signals = createSignalEvents(FPM_SIGNAL_INTENTS);
    this.signals.on((event) => this.onSignal(event.intent, event.occurrence));
    // After the children's "started" lines, as php-fpm's event loop logs it after fpm_run().
    await new Promise((resolve) => setImmediate(resolve));
    this.log.notice('ready to handle connections');
    void ready.then(() => {
      // A reload begun before the first children were all up sends its own READY=1.
      if (this.state === 'normal' && this.reloads === 0) this.systemd.ready(this.config.global.systemd_interval);
    });
  }

  private onSignal(intent: FpmIntent, occurrence: number): void {
    switch (intent) {
      case 'fast-stop':
        this.log.notice('Terminating ...');
        void this.stop('immediate', occurrence);
        return;
      case 'graceful-stop':
        this.log.notice('Finishing ...');
        void this.stop('graceful', occurrence);
        return;
      case 'reopen-logs':
        this.reopenLogs();
        return;
      case 'reload':
        this.log.notice('Reloading in progress ...');
        void this.reload();
        return;
    }
  }

  private reopenLogs(): void {
    try {
      this.log.reopen();
      this.log.notice('error log file re-opened');
    } catch {
      this.log.error('unable to re-opened error log file');
    }
    // fpm_log_open(1): one line for all the pools' access logs (the slowlogs are opened with them).
    const results = this.pools.map((pool) => pool.reopenLogs());
    if (results.includes(false)) this.log.error('unable to re-opened access log file');
    else if (results.includes(true)) this.log.notice('access log file re-opened');
  }

  private maintain(): void {
    for (const pool of this.pools) pool.maintain();
    for (const pool of this.retiring) pool.maintain();
  }

  /** SIGUSR2 and emergency restart: re-read the configuration; on error keep serving the old one. */
  async reload(): Promise<void> {
    if (this.state !== 'normal') {
      this.log.debug(`not reloading, because already in '${this.state}' state`);
      return;
    }
    this.state = 'reloading';
    this.reloads++;
    this.systemd.reloading();
    let next: FpmConfig;
    let sockets: Map<string, PoolSocket>;
    let pools: Pool[];
    try {
      next = loadConfig(this.config.file, { prefix: this.options.prefix, requireUser: this.options.requireUser });
      sockets = await this.openSockets(next.pools, this.sockets);
      pools = [];
      try {
        for (const cfg of next.pools) pools.push(this.makePool(cfg, sockets));
      } catch (err) {
        for (const pool of pools) pool.closeLogFiles();
        for (const [key, socket] of sockets) if (!this.sockets.has(key)) socket.close(true);
        throw err;
      }
    } catch (err) {
      if (!(err instanceof FpmError)) throw err;
      logFpmError(this.log, err);
      this.log.error(`failed to reload the configuration from '${this.config.file}': the running pools keep serving`);
      this.state = 'normal';
      this.systemd.ready(this.config.global.systemd_interval, `Reload failed: ${err.message}`);
      return;
    }
    for (const message of next.messages) this.log[message.level](message.text);
    // A reloaded php-fpm is a new process image, and starts the way a new one does.
    this.log.notice(`fpm is running, pid ${process.pid}`);
    const old = this.pools;
    const oldSockets = this.sockets;
    this.config = next;
    this.log.setLevel(parseLogLevel(next.global.log_level));
    this.group.setCrashStormLimits(crashStormLimits(next));
    this.sockets = sockets;
    this.pools = pools;
    for (const pool of old) this.retiring.add(pool);
    // New children first, accepting on the same (kept) sockets; only then do the old ones quit,
    // so the listening sockets never close and no connection is refused or dropped.
    await this.group.settled(pools.flatMap((p) => p.start()), RELOAD_READY_TIMEOUT_MS);
    if (this.state !== 'reloading') return;
    this.state = 'normal';
    this.log.notice('ready to handle connections');
    this.systemd.ready(next.global.systemd_interval);
    await Promise.all(old.map((p) => p.stopAll('graceful')));
    for (const pool of old) this.retiring.delete(pool);
    for (const [key, socket] of oldSockets) {
      if (!sockets.has(key)) socket.close(true);
    }
  }

  /** SIGINT/SIGTERM (immediate) and SIGQUIT (graceful): fpm_pctl's terminating and finishing. */
  async stop(mode: StopMode, occurrence = 1): Promise<void> {
    const target: MasterState = mode === 'immediate' ? 'terminating' : 'finishing';
    // 'terminating' overrides everything; 'finishing' overrides all but 'terminating'. A second
    // SIGTERM/SIGINT while terminating means "now": SIGKILL, without waiting for escalation.
    if (this.state === 'terminating') {
      if (occurrence > 1) this.killAll();
      return;
    }
    if (this.state === target) return;
    this.state = target;
    this.systemd.stopping();
    const all = [...this.pools, ...this.retiring];
    await Promise.all(all.map((p) => p.stopAll(mode)));
    if (this.state !== target) return;
    this.shutdown();
  }

  private killAll(): void {
    this.group.killAll('SIGKILL');
  }

  private shutdown(): void {
    this.group.close();
    this.signals?.dispose();
    this.systemd.close();
    for (const socket of this.sockets.values()) socket.close(true);
    this.log.notice('exiting, bye-bye!');
    this.finish(0);
  }

  private makePool(cfg: Readonly<PoolConfig>, sockets: Map<string, PoolSocket>): Pool {
    const socket = sockets.get(this.socketKeyOf(cfg));
    if (socket === undefined) throw new FpmError('FPM_ERR_POOL_LISTEN', `[pool ${cfg.name}] no listening socket`);
    const ctx: PoolContext = {
      log: this.log,
      group: this.group,
      workerCommand: this.options.workerCommand,
      env: this.options.env,
      canSpawn: () => this.canSpawn(),
      processControlTimeoutMs: this.config.global.process_control_timeout * 1000,
    };
    return new Pool(cfg, socket, ctx);
  }

  private readonly socketKeys = new Map<string, string>();

  private socketKeyOf(cfg: Readonly<PoolConfig>): string {
    return this.socketKeys.get(`${cfg.name}\0${cfg.listen ?? ''}`) ?? '';
  }

  /**
   * The listening socket of every pool: systemd's (named after the pool), one kept from the
   * running configuration (same address), or a new one. A kept socket the master accepts on
   * (ondemand) is only kept for an ondemand pool; otherwise it is closed and bound anew.
   */
  private async openSockets(pools: readonly Readonly<PoolConfig>[], current: Map<string, PoolSocket>): Promise<Map<string, PoolSocket>> {
    const opened = new Map<string, PoolSocket>();
    const fresh: PoolSocket[] = [];
    try {
      for (const cfg of pools) {
        const activated = this.options.activated.find((a) => a.name === cfg.name);
        let key: string;
        if (activated) {
          key = activatedKey(cfg.name);
          if (!opened.has(key)) opened.set(key, current.get(key) ?? PoolSocket.adopt(activated.fd, cfg.name));
        } else {
          const address = await parseListen(cfg.name, cfg.listen ?? '');
          key = addressKey(address);
          if (!opened.has(key)) {
            let socket = current.get(key);
            if (socket?.hasGate && cfg.pm !== 'ondemand') {
              socket.close(false);
              current.delete(key);
              socket = undefined;
            }
            if (!socket) {
              socket = PoolSocket.bind(cfg, address);
              fresh.push(socket);
            } else {
              // php-fpm's words for a socket its re-exec'd master inherits on reload.
              this.log.notice(`using inherited socket fd=${socket.fd}, "${describeAddress(address)}"`);
            }
            opened.set(key, socket);
          }
        }
        this.socketKeys.set(`${cfg.name}\0${cfg.listen ?? ''}`, key);
      }
    } catch (err) {
      for (const socket of fresh) socket.close(true);
      throw err;
    }
    return opened;
  }

  private canSpawn(): boolean {
    if (this.state !== 'normal' && this.state !== 'reloading' && this.state !== 'starting') return false;
    const max = this.config.global['process.max'];
    if (max <= 0) return true;
    let running = 0;
    for (const pool of this.pools) running += pool.countedChildren.length;
    return running < max;
  }

  private totals(): { active: number; idle: number; requests: number; slow: number } {
    let active = 0;
    let idle = 0;
    let requests = 0;
    let slow = 0;
    for (const pool of this.pools) {
      const board = pool.scoreboard();
      active += board.active;
      idle += board.idle;
      requests += board.acceptedConn;
      slow += board.slowRequests;
    }
    return { active, idle, requests, slow };
  }
}

/** emergency_restart_threshold failures within emergency_restart_interval. */
function crashStormLimits(config: FpmConfig): CrashStormLimits {
  const g = config.global;
  return { threshold: g.emergency_restart_threshold, intervalMs: g.emergency_restart_interval * 1000 };
}
