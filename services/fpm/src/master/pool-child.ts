// One child of a pool and its scoreboard slot (php-fpm's fpm_child_s + fpm_scoreboard_proc_s),
// kept up to date from the worker's activity reports. A JavaScript worker may run several
// requests at once; the slot shows the oldest one still running.
import type net from 'node:net';
import type { GroupMember, WorkerGroup, WorkerProcess } from '@libs/process';
import type { ProcessSlot } from '../status/scoreboard';
import { HANDED_CONNECTION } from '../worker/handed-connections';
import type { ActivityReport, FpmMasterMessage, FpmWorkerReport, RequestInfo } from '../worker/worker-messages';

export type FpmWorker = WorkerProcess<FpmWorkerReport, FpmMasterMessage>;

/** Why the master ended this child; decides respawn and crash accounting at exit. */
export type EndReason = 'pm-idle' | 'max-requests' | 'timed-out' | 'retired' | 'logs-reopened';

/** What the master's worker group keeps for each child (the group's crash accounting reads it). */
export interface FpmChildTag {
  endReason: EndReason | undefined;
}

/** One worker group for all of the master's pools. */
export type FpmWorkerGroup = WorkerGroup<FpmWorkerReport, FpmMasterMessage, FpmChildTag>;
export type FpmMember = GroupMember<FpmWorkerReport, FpmMasterMessage, FpmChildTag>;

interface RunningRequest {
  readonly id: number;
  readonly report: RequestInfo;
  /** performance.now() when the request started. */
  readonly startedAt: number;
  slow: boolean;
  /** performance.now() when the worker was told to end it (request_terminate_timeout). */
  terminateSentAt?: number;
}

interface LastRequest {
  readonly report: RequestInfo;
  readonly durationUs: number;
  readonly cpu: number;
  readonly memory: number;
}

export class PoolChild {
  /** Epoch seconds, for the status page. */
  readonly startEpoch = Math.floor(Date.now() / 1000);
  running: readonly RunningRequest[] = [];
  requests = 0;
  last: LastRequest | undefined;
  /** performance.now() of the last request start or end (php-fpm's proc->tv). */
  lastActivity = performance.now();
  /** Connections handed over (ondemand) not yet seen as a started request. */
  handedPending = 0;
  private lastHandedAt = 0;
  /** Connections handed to this child before it reported ready (its channel listens only then). */
  private queued: net.Socket[] = [];

  constructor(
    readonly member: FpmMember,
    /** false for external programs: no channel, no request visibility. */
    readonly reports: boolean,
  ) {}

  get worker(): FpmWorker {
    return this.member.worker;
  }

  get pid(): number {
    return this.worker.pid;
  }

  get endReason(): EndReason | undefined {
    return this.member.tag.endReason;
  }

  set endReason(reason: EndReason | undefined) {
    this.member.tag.endReason = reason;
  }

  /** php-fpm's fpm_request_is_idle(): accepting, nothing running. A starting child counts as idle. */
  get idle(): boolean {
    return this.running.length === 0 && this.handedPending === 0;
  }

  /**
   * Still part of the pool's pm arithmetic: not draining after max_requests or a retire. A child
   * terminated for request_terminate_timeout still counts: its exit brings its replacement.
   */
  get counted(): boolean {
    return (this.endReason === undefined || this.endReason === 'timed-out') && this.worker.state !== 'exited';
  }

  /** Takes in an activity report; returns how many requests it started. */
  applyActivity(report: ActivityReport): number {
    const now = performance.now();
    const epochNow = Date.now();
    this.handedPending = Math.max(0, this.handedPending - report.started);
    this.requests += report.started;
    const known = new Map(this.running.map((r) => [r.id, r]));
    this.running = report.running.map(
      (r) => known.get(r.id) ?? { id: r.id, report: r, startedAt: now - Math.max(0, epochNow - r.startedAt), slow: false },
    );
    if (report.last !== null) this.last = { report: report.last, durationUs: report.last.durationUs, cpu: report.last.cpu, memory: report.last.memory };
    // A report asked for by a status page, with nothing new in it, is no activity (ondemand's
    // process_idle_timeout counts from the last request).
    if (report.started > 0 || report.last !== null) this.lastActivity = now;
    return report.started;
  }

  /** How busy the child is, to pick the least busy one when all are. */
  get load(): number {
    return this.running.length + this.handedPending;
  }

  /** Gives an accepted connection to this child now, or as soon as it is ready. */
  deliver(socket: net.Socket): void {
    this.handedPending++;
    this.lastHandedAt = performance.now();
    if (this.worker.state === 'ready') this.hand(socket);
    else this.queued.push(socket);
  }

  /**
   * A handed connection that never became a reported request (ping, status page, a client
   * that said nothing) must not keep the child "busy" forever: forget it after a while.
   */
  expireHanded(now: number, afterMs: number): void {
    if (this.handedPending > 0 && this.queued.length === 0 && now - this.lastHandedAt > afterMs) this.handedPending = 0;
  }

  flushQueued(): void {
    for (const socket of this.queued.splice(0)) this.hand(socket);
  }

  /** Connections still waiting for this child when it went away (given to another one). */
  takeQueued(): net.Socket[] {
    this.handedPending -= this.queued.length;
    return this.queued.splice(0);
  }

  /** Hands an accepted connection to this worker over its IPC channel (SCM_RIGHTS). */
  private hand(socket: net.Socket): void {
    if (!this.worker.sendHandle({ type: HANDED_CONNECTION }, socket, () => socket.destroy())) socket.destroy();
  }

  slot(now: number): ProcessSlot {
    const oldest = this.running[0];
    const shown = oldest?.report ?? this.last?.report;
    return {
      pid: this.pid,
      state: oldest ? 'Running' : 'Idle',
      startTime: this.startEpoch,
      requests: this.requests,
      requestDuration: oldest ? Math.round((now - oldest.startedAt) * 1000) : (this.last?.durationUs ?? 0),
      requestMethod: shown?.method ?? '-',
      requestUri: shown?.uri ?? '-',
      contentLength: shown?.contentLength ?? 0,
      user: shown?.user ?? '-',
      script: shown?.script ?? '-',
      lastRequestCpu: oldest ? 0 : (this.last?.cpu ?? 0),
      lastRequestMemory: oldest ? 0 : (this.last?.memory ?? 0),
    };
  }
}
