// The worker group shared by httpd-ts's watcher and fpm-ts's master: the children of one parent with
// what every policy over them needs: one deadline timer, the heartbeat (pings, watchdog probe, a
// wedged worker killed), crash-storm accounting (php-fpm's fpm_children_bury()), stop with
// escalation, and one tick per heartbeat interval for the owner's maintenance (php-fpm's
// fpm_pctl_heartbeat, lighttpd's 1-second trigger). Keeping slots filled is fixed-slots.ts;
// php-fpm's dynamic and ondemand pm add and retire members themselves.
import { EventEmitter } from 'node:events';
import type { ServiceLog } from '@libs/log';
import type { ChannelMessage, CustomMessageGuard, WorkerStatus } from './channel-messages';
import { CrashStormDetector, type CrashStorm } from './crash-storm-detector';
import { HeartbeatMonitor, heartbeatSilenceMs, type HeartbeatResult } from './heartbeat-monitor';
import { DeadlineTimer } from './supervisor-deadlines';
import { isAbnormalExit, type WorkerExit } from './worker-exit';
import { WorkerProcess, type StopOptions, type WorkerSpec } from './worker-process';

/** php-fpm's emergency_restart_threshold and emergency_restart_interval; 0 disables detection. */
export interface CrashStormLimits {
  readonly threshold: number;
  readonly intervalMs: number;
}

export interface GroupMember<TUp extends ChannelMessage, TDown extends ChannelMessage, TTag> {
  readonly worker: WorkerProcess<TUp, TDown>;
  /** What the owner knows the member by (a slot and generation, a pool's bookkeeping). */
  readonly tag: TTag;
  /** Set once the worker has been reaped. */
  readonly exit: WorkerExit | undefined;
}

export interface WorkerGroupOptions<TUp extends ChannelMessage, TDown extends ChannelMessage, TTag> {
  log: ServiceLog;
  isCustom?: CustomMessageGuard<TUp>;
  /** Heartbeat ping and tick interval; 0 disables both. Default 1 s. */
  heartbeatIntervalMs?: number;
  /**
   * A ready worker that has not answered a heartbeat for this long is wedged: logged at error level
   * and killed with SIGKILL, an abnormal exit (a slot policy replaces it). 0 (default): never.
   */
  heartbeatTimeoutMs?: number;
  crashStorm?: CrashStormLimits;
  /** Whether an abnormal exit counts towards a crash storm (default: every one does). */
  countsTowardsCrashStorm?: (exit: WorkerExit, member: GroupMember<TUp, TDown, TTag>) => boolean;
}

export type WorkerGroupEvents<TUp extends ChannelMessage, TDown extends ChannelMessage, TTag> = {
  spawn: [member: GroupMember<TUp, TDown, TTag>];
  ready: [member: GroupMember<TUp, TDown, TTag>, info: WorkerStatus | undefined];
  /** After the member left the group and its exit was counted towards a crash storm. */
  exit: [exit: WorkerExit, member: GroupMember<TUp, TDown, TTag>];
  message: [msg: TUp, from: GroupMember<TUp, TDown, TTag>];
  'crash-storm': [storm: CrashStorm];
  /** Once per heartbeat interval, after the pings: the owner's maintenance. */
  tick: [];
};

/** waitFor()'s check: true when done, a string when it failed, undefined to keep waiting. */
export type WaitCheck = () => true | string | undefined;

interface Member<TUp extends ChannelMessage, TDown extends ChannelMessage, TTag> extends GroupMember<TUp, TDown, TTag> {
  exit: WorkerExit | undefined;
}

export class WorkerGroup<
  TUp extends ChannelMessage = never,
  TDown extends ChannelMessage = never,
  TTag = undefined,
> extends EventEmitter<WorkerGroupEvents<TUp, TDown, TTag>> {
  /** One timer for every escalation, timeout and delayed respawn of the group's workers. */
  readonly deadlines = new DeadlineTimer();
  readonly heartbeatIntervalMs: number;
  private crashStormDetector: CrashStormDetector;
  private readonly live = new Set<Member<TUp, TDown, TTag>>();
  private readonly heartbeat = new HeartbeatMonitor(() => this.workers());
  private readonly killedAsWedged = new WeakSet<Member<TUp, TDown, TTag>>();
  private readonly watchers = new Set<() => void>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly options: WorkerGroupOptions<TUp, TDown, TTag>) {
    super();
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
    this.crashStormDetector = this.detectorFor(options.crashStorm ?? { threshold: 0, intervalMs: 0 });
  }

  get members(): ReadonlySet<GroupMember<TUp, TDown, TTag>> {
    return this.live;
  }

  get size(): number {
    return this.live.size;
  }

  get crashStorm(): CrashStormDetector {
    return this.crashStormDetector;
  }

  /** New limits (a reloaded configuration); failures counted so far are forgotten, as php-fpm's re-exec does. */
  setCrashStormLimits(limits: CrashStormLimits): void {
    this.crashStormDetector.removeAllListeners();
    this.crashStormDetector = this.detectorFor(limits);
  }

  spawn(spec: WorkerSpec, tag: TTag): GroupMember<TUp, TDown, TTag> {
    const worker = new WorkerProcess<TUp, TDown>(spec, {
      log: this.options.log,
      deadlines: this.deadlines,
      isCustom: this.options.isCustom,
    });
    const member: Member<TUp, TDown, TTag> = { worker, tag, exit: undefined };
    this.live.add(member);
    worker.on('spawn', () => this.emit('spawn', member));
    worker.on('ready', (info) => {
      this.emit('ready', member, info);
      this.runWatchers();
    });
    worker.on('message', (msg) => this.emit('message', msg, member));
    worker.on('exit', (exit) => this.onExit(member, exit));
    return member;
  }

  /** Starts the heartbeat and the tick. */
  start(): void {
    if (this.ticker || this.heartbeatIntervalMs <= 0) return;
    // Not unref'd: a running group is its parent's reason to live, even with no child at the
    // moment (all of them failed to start, a crash-storm back-off).
    this.ticker = setInterval(() => this.tick(), this.heartbeatIntervalMs);
  }

  /** Stops the given members with escalation (see WorkerProcess.stop); resolves with their exits. */
  stop(members: Iterable<GroupMember<TUp, TDown, TTag>>, options: StopOptions): Promise<WorkerExit[]> {
    const exits = [...members].map((m) => m.worker.stop(options));
    // Whoever waits for members to get ready learns at once that they will not.
    this.runWatchers();
    return Promise.all(exits);
  }

  killAll(signal: NodeJS.Signals): void {
    for (const m of this.live) m.worker.kill(signal);
  }

  /** Forward a log reopen (lighttpd SIGHUP, php-fpm SIGUSR1) to every live worker. */
  reopenLogs(): void {
    for (const m of this.live) m.worker.reopenLogs();
  }

  /** For good: the tick stops and every pending deadline is dropped. */
  close(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.deadlines.close();
  }

  /**
   * Resolves undefined once `check` returns true, or the failure: check's string, or onTimeout's
   * after timeoutMs (no timeout when undefined). Checked now and whenever a member gets ready or
   * exits, or members are stopped.
   */
  waitFor(check: WaitCheck, timeoutMs?: number, onTimeout: () => string = () => `not done after ${timeoutMs} ms`): Promise<string | undefined> {
    return new Promise((resolve) => {
      let cancel: () => void = () => undefined;
      const watcher = (): void => {
        const r = check();
        if (r === undefined) return;
        this.watchers.delete(watcher);
        cancel();
        resolve(r === true ? undefined : r);
      };
      this.watchers.add(watcher);
      if (timeoutMs !== undefined) {
        cancel = this.deadlines.after(timeoutMs, () => {
          this.watchers.delete(watcher);
          resolve(onTimeout());
        });
      }
      watcher();
    });
  }

  /** Resolves once every given member reported ready or exited, or after timeoutMs. */
  async settled(members: readonly GroupMember<TUp, TDown, TTag>[], timeoutMs?: number): Promise<void> {
    await this.waitFor(() => (members.every((m) => m.exit || m.worker.readyAt !== undefined) ? true : undefined), timeoutMs);
  }

  /** How long a member has not answered a heartbeat; undefined when it is not judged (not ready, no channel). */
  silenceMs(member: GroupMember<TUp, TDown, TTag>, now = performance.now()): number | undefined {
    return heartbeatSilenceMs(member.worker, now);
  }

  /** False when any live, ready worker has not answered a heartbeat within maxAgeMs. */
  heartbeatHealthy(maxAgeMs: number): boolean {
    return this.heartbeat.healthy(maxAgeMs);
  }

  /** A watchdog probe: `{ ok: false, reason }` names each wedged pid. */
  heartbeatProbe(maxAgeMs: number): () => HeartbeatResult {
    return this.heartbeat.probe(maxAgeMs);
  }

  private *workers(): Iterable<WorkerProcess<TUp, TDown>> {
    for (const m of this.live) yield m.worker;
  }

  private tick(): void {
    this.heartbeat.pingAll();
    this.killWedged();
    this.emit('tick');
  }

  private killWedged(): void {
    const timeoutMs = this.options.heartbeatTimeoutMs ?? 0;
    if (timeoutMs <= 0) return;
    const now = performance.now();
    for (const member of this.live) {
      const silentMs = heartbeatSilenceMs(member.worker, now);
      if (silentMs === undefined || silentMs <= timeoutMs || this.killedAsWedged.has(member)) continue;
      this.killedAsWedged.add(member);
      const { worker } = member;
      this.options.log.error(
        `${worker.spec.logPrefix ?? ''}child ${worker.pid} has not answered a heartbeat for ${Math.round(silentMs)} ms, killing it`,
      );
      // Not "expected": the exit is a failure, replaced and counted like a crash.
      worker.kill('SIGKILL', false);
    }
  }

  private onExit(member: Member<TUp, TDown, TTag>, exit: WorkerExit): void {
    member.exit = exit;
    this.live.delete(member);
    // Counted first, so a respawn decided on 'exit' already sees a storm this exit completed.
    if (isAbnormalExit(exit) && (this.options.countsTowardsCrashStorm?.(exit, member) ?? true)) this.crashStormDetector.record();
    this.emit('exit', exit, member);
    this.runWatchers();
  }

  private detectorFor(limits: CrashStormLimits): CrashStormDetector {
    const detector = new CrashStormDetector(limits.threshold, limits.intervalMs);
    detector.on('crash-storm', (storm) => this.emit('crash-storm', storm));
    return detector;
  }

  private runWatchers(): void {
    for (const w of [...this.watchers]) w();
  }
}
