// The watcher/master loop shared by httpd-ts and fpm-ts: lighttpd's server.max-worker watcher
// (server.c: fork N, wait, respawn), nginx's reload (new workers first, then NGX_CMD_QUIT to the
// old ones) and php-fpm's bury/respawn with emergency-restart detection (fpm_children.c).
import { EventEmitter } from 'node:events';
import type { ServiceLog } from '@libs/log';
import type { ChannelMessage, CustomMessageGuard, WorkerStatus } from './channel-messages';
import { CrashStormDetector, type CrashStorm } from './crash-storm-detector';
import { HeartbeatMonitor, type HeartbeatResult } from './heartbeat-monitor';
import { DeadlineTimer } from './supervisor-deadlines';
import { supervisorErrors } from './supervisor-errors';
import { isAbnormalExit, type WorkerExit } from './worker-exit';
import {
  DEFAULT_GRACEFUL_TIMEOUT_MS,
  DEFAULT_TERM_TIMEOUT_MS,
  WorkerProcess,
  type WorkerSpec,
  type WorkerState,
} from './worker-process';

/** Every worker finds its slot (0..N-1) and generation in its environment. */
export const WORKER_SLOT_ENV = 'SUPERVISOR_WORKER_SLOT';
export const WORKER_GENERATION_ENV = 'SUPERVISOR_GENERATION';

export interface SupervisorOptions<TUp extends ChannelMessage> {
  spec: WorkerSpec;
  /** How many workers to keep alive (lighttpd's server.max-worker, php-fpm's static pm.max_children). */
  workers: number;
  log: ServiceLog;
  isCustom?: CustomMessageGuard<TUp>;
  /** For start() and replaceGeneration(): how long workers may take to report "ready". Default 10 s. */
  readyTimeoutMs?: number;
  /** Graceful stop: "quit", then SIGTERM after this long. Default 30 s. */
  gracefulTimeoutMs?: number;
  /** SIGTERM, then SIGKILL after this long. Default 5 s. */
  termTimeoutMs?: number;
  /** Ping interval; 0 disables the heartbeat. Default 1 s. */
  heartbeatIntervalMs?: number;
  /** php-fpm's emergency_restart_threshold/interval; after a storm respawns wait backoffMs (default intervalMs). */
  crashStorm?: { threshold: number; intervalMs: number; backoffMs?: number };
}

export interface WorkerRef {
  readonly pid: number;
  readonly slot: number;
  readonly generation: number;
  readonly state: WorkerState;
}

export interface SupervisedExit extends WorkerExit {
  readonly slot: number;
  readonly generation: number;
}

export interface GenerationReplaced {
  readonly generation: number;
  readonly pids: number[];
  /** Settles when every worker of the older generations has exited. */
  readonly retired: Promise<SupervisedExit[]>;
}

export interface WorkerStatusEntry {
  readonly pid: number;
  readonly slot: number;
  readonly status?: WorkerStatus;
  readonly error?: string;
}

export type SupervisorEvents<TUp extends ChannelMessage> = {
  spawn: [worker: WorkerRef];
  ready: [worker: WorkerRef, info: WorkerStatus | undefined];
  exit: [exit: SupervisedExit];
  'crash-storm': [storm: CrashStorm];
  message: [msg: TUp, from: WorkerRef];
};

interface Member<TUp extends ChannelMessage, TDown extends ChannelMessage> {
  readonly worker: WorkerProcess<TUp, TDown>;
  readonly slot: number;
  readonly generation: number;
  readonly exited: Promise<SupervisedExit>;
  exit?: SupervisedExit;
}

type Check = true | string | undefined;

export class Supervisor<
  TUp extends ChannelMessage = never,
  TDown extends ChannelMessage = never,
> extends EventEmitter<SupervisorEvents<TUp>> {
  readonly crashStorm: CrashStormDetector;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private spec: WorkerSpec;
  private generation = 0;
  private lastGeneration = 0;
  private current: Array<Member<TUp, TDown> | undefined> = [];
  private readonly members = new Set<Member<TUp, TDown>>();
  private replacing = false;
  private stopped: Promise<void> | undefined;
  private backoffUntil = 0;
  private readonly pendingRespawns = new Map<number, () => void>();
  private readonly watchers = new Set<() => void>();
  // One timer for every escalation, timeout and delayed respawn of this supervisor, one for heartbeats.
  private readonly deadlines = new DeadlineTimer();
  private readonly heartbeat: HeartbeatMonitor;
  private readonly count: number;
  private readonly log: ServiceLog;
  private readonly readyTimeoutMs: number;
  private readonly gracefulTimeoutMs: number;
  private readonly termTimeoutMs: number;
  private readonly backoffMs: number;

  constructor(private readonly options: SupervisorOptions<TUp>) {
    super();
    this.spec = options.spec;
    this.count = options.workers;
    this.log = options.log;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    this.gracefulTimeoutMs = options.gracefulTimeoutMs ?? DEFAULT_GRACEFUL_TIMEOUT_MS;
    this.termTimeoutMs = options.termTimeoutMs ?? DEFAULT_TERM_TIMEOUT_MS;
    const storm = options.crashStorm ?? { threshold: 0, intervalMs: 0 };
    this.backoffMs = storm.backoffMs ?? storm.intervalMs;
    this.crashStorm = new CrashStormDetector(storm.threshold, storm.intervalMs);
    this.crashStorm.on('crash-storm', (s) => this.onCrashStorm(s));
    this.heartbeat = new HeartbeatMonitor(
      () => [...this.members].map((m) => m.worker),
      options.heartbeatIntervalMs ?? 1000,
    );
  }

  /** The current generation's workers, by slot. */
  get workers(): WorkerRef[] {
    return this.current.flatMap((m) => (m ? [this.ref(m)] : []));
  }

  /** Every live worker, including an older generation still finishing its work. */
  get allWorkers(): WorkerRef[] {
    return [...this.members].map((m) => this.ref(m));
  }

  get currentGeneration(): number {
    return this.generation;
  }

  /** Spawn the first generation; resolves once every slot has a worker that reported "ready". */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw supervisorErrors.supervisorBusy('start');
    this.state = 'running';
    this.generation = ++this.lastGeneration;
    this.current = Array.from({ length: this.count }, (_, slot) => this.spawnMember(this.spec, slot, this.generation));
    this.heartbeat.start();
    const failure = await this.waitUntil(
      () => {
        if (this.state !== 'running') return 'the supervisor is stopping';
        return this.current.every((m) => m?.worker.state === 'ready') ? true : undefined;
      },
      this.readyTimeoutMs,
      () => `${this.current.filter((m) => m?.worker.state !== 'ready').length} of ${this.count} not ready after ${this.readyTimeoutMs} ms`,
    );
    if (failure !== undefined) throw supervisorErrors.workersNotReady(failure);
  }

  /**
   * Reload, the nginx way: start a generation from `spec`, wait until each new worker reported
   * "ready", then retire the old generation gracefully. If the new one does not get ready in
   * time (or one of its workers exits first), it is killed and the old one keeps serving.
   */
  async replaceGeneration(spec: WorkerSpec, options: { readyTimeoutMs?: number } = {}): Promise<GenerationReplaced> {
    if (this.state !== 'running') throw supervisorErrors.supervisorStopped('replace the worker generation');
    if (this.replacing) throw supervisorErrors.supervisorBusy('a generation replacement');
    this.replacing = true;
    const timeoutMs = options.readyTimeoutMs ?? this.readyTimeoutMs;
    const generation = ++this.lastGeneration;
    const fresh = Array.from({ length: this.count }, (_, slot) => this.spawnMember(spec, slot, generation));
    const failure = await this.waitUntil(
      () => {
        if (this.state !== 'running') return 'the supervisor is stopping';
        const dead = fresh.find((m) => m.exit);
        if (dead?.exit) return dead.exit.line;
        return fresh.every((m) => m.worker.state === 'ready') ? true : undefined;
      },
      timeoutMs,
      () => {
        const late = fresh.filter((m) => m.worker.state !== 'ready').map((m) => m.worker.pid);
        return `${late.length} of ${this.count} workers (pid ${late.join(', ')}) not ready after ${timeoutMs} ms`;
      },
    );
    this.replacing = false;
    if (failure !== undefined) {
      this.log.warn(`generation ${generation} failed: ${failure}; generation ${this.generation} keeps serving`);
      await Promise.all(fresh.map((m) => m.worker.stop({ graceful: false, termTimeoutMs: this.termTimeoutMs })));
      throw supervisorErrors.generationNotReady(generation, failure);
    }
    const old = [...this.members].filter((m) => m.generation !== generation);
    for (const cancel of this.pendingRespawns.values()) cancel();
    this.pendingRespawns.clear();
    const previous = this.generation;
    this.spec = spec;
    this.generation = generation;
    this.current = fresh;
    this.log.notice(`generation ${generation} ready, retiring generation ${previous} gracefully`);
    const retired = Promise.all(
      old.map((m) => {
        void m.worker.stop({ graceful: true, gracefulTimeoutMs: this.gracefulTimeoutMs, termTimeoutMs: this.termTimeoutMs });
        return m.exited;
      }),
    );
    return { generation, pids: fresh.map((m) => m.worker.pid), retired };
  }

  /**
   * Graceful: "quit" to every worker, SIGTERM after gracefulTimeoutMs, SIGKILL termTimeoutMs later.
   * Immediate: SIGTERM, then SIGKILL. Resolves when all workers are gone; an immediate stop while
   * a graceful one runs escalates it.
   */
  stop(mode: 'graceful' | 'immediate' = 'graceful'): Promise<void> {
    if (this.state === 'idle') this.state = 'stopped';
    if (this.state === 'stopped') return this.stopped ?? Promise.resolve();
    this.state = 'stopping';
    for (const cancel of this.pendingRespawns.values()) cancel();
    this.pendingRespawns.clear();
    this.notify();
    const all = [...this.members];
    for (const m of all) {
      void m.worker.stop({
        graceful: mode === 'graceful',
        gracefulTimeoutMs: this.gracefulTimeoutMs,
        termTimeoutMs: this.termTimeoutMs,
      });
    }
    this.stopped ??= Promise.all(all.map((m) => m.exited)).then(() => {
      this.heartbeat.stop();
      this.deadlines.close();
      this.state = 'stopped';
    });
    return this.stopped;
  }

  /** Forward a log reopen (lighttpd SIGHUP, php-fpm SIGUSR1) to every live worker. */
  reopenLogs(): void {
    for (const m of this.members) m.worker.reopenLogs();
  }

  /** Send a service message to every worker of the current generation. */
  broadcast(msg: TDown): void {
    for (const m of this.current) m?.worker.send(msg);
  }

  /** Send a service message to one live worker (any generation); false when it has no live channel. */
  sendTo(pid: number, msg: TDown): boolean {
    for (const m of this.members) if (m.worker.pid === pid) return m.worker.send(msg);
    return false;
  }

  async queryStatus(timeoutMs = 1000): Promise<WorkerStatusEntry[]> {
    const live = this.current.filter((m): m is Member<TUp, TDown> => m !== undefined);
    return Promise.all(
      live.map(async (m) => {
        try {
          return { pid: m.worker.pid, slot: m.slot, status: await m.worker.queryStatus(timeoutMs) };
        } catch (err) {
          return { pid: m.worker.pid, slot: m.slot, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
  }

  /** False when any live, ready worker has not answered a heartbeat within maxAgeMs. */
  heartbeatHealthy(maxAgeMs: number): boolean {
    return this.heartbeat.healthy(maxAgeMs);
  }

  /** A watchdog probe: `{ ok: false, reason }` names each wedged pid. */
  heartbeatProbe(maxAgeMs: number): () => HeartbeatResult {
    return this.heartbeat.probe(maxAgeMs);
  }

  private ref(m: Member<TUp, TDown>): WorkerRef {
    return { pid: m.worker.pid, slot: m.slot, generation: m.generation, state: m.worker.state };
  }

  private spawnMember(spec: WorkerSpec, slot: number, generation: number): Member<TUp, TDown> {
    const env = { ...(spec.env ?? process.env), [WORKER_SLOT_ENV]: String(slot), [WORKER_GENERATION_ENV]: String(generation) };
    const worker = new WorkerProcess<TUp, TDown>(
      { ...spec, env },
      { log: this.log, deadlines: this.deadlines, isCustom: this.options.isCustom },
    );
    const member: Member<TUp, TDown> = {
      worker,
      slot,
      generation,
      exited: worker.exited.then((e) => ({ ...e, slot, generation })),
    };
    this.members.add(member);
    worker.on('spawn', () => this.emit('spawn', this.ref(member)));
    worker.on('ready', (info) => {
      this.emit('ready', this.ref(member), info);
      this.notify();
    });
    worker.on('message', (msg) => this.emit('message', msg, this.ref(member)));
    void member.exited.then((exit) => this.onMemberExit(member, exit));
    return member;
  }

  private onMemberExit(m: Member<TUp, TDown>, exit: SupervisedExit): void {
    m.exit = exit;
    this.members.delete(m);
    this.emit('exit', exit);
    if (isAbnormalExit(exit)) this.crashStorm.record();
    if (this.current[m.slot] === m) {
      this.current[m.slot] = undefined;
      if (this.state === 'running' && !exit.expected) this.respawn(m.slot);
    }
    this.notify();
  }

  private respawn(slot: number): void {
    const spawnNow = (): void => {
      this.pendingRespawns.delete(slot);
      if (this.state !== 'running' || this.current[slot]) return;
      this.current[slot] = this.spawnMember(this.spec, slot, this.generation);
    };
    const wait = this.backoffUntil - performance.now();
    if (wait <= 0) return spawnNow();
    if (!this.pendingRespawns.has(slot)) this.pendingRespawns.set(slot, this.deadlines.after(wait, spawnNow));
  }

  private onCrashStorm(storm: CrashStorm): void {
    // lighttpd would keep forking; we back off so a broken worker does not spin the machine.
    this.backoffUntil = performance.now() + this.backoffMs;
    this.log.warn(`${storm.line}, respawning paused for ${this.backoffMs} ms`);
    this.emit('crash-storm', storm);
  }

  private notify(): void {
    for (const w of [...this.watchers]) w();
  }

  // Resolves undefined when `check` returns true, or the failure reason (its string, or onTimeout's).
  private waitUntil(check: () => Check, timeoutMs: number, onTimeout: () => string): Promise<string | undefined> {
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
      cancel = this.deadlines.after(timeoutMs, () => {
        this.watchers.delete(watcher);
        resolve(onTimeout());
      });
      watcher();
    });
  }
}
