// The watcher's worker set: lighttpd's server.max-worker watcher (server.c: fork N, wait, respawn)
// as fixed slots over a worker group, nginx's reload (new workers first, then NGX_CMD_QUIT to the
// old ones) as generations, and a back-off after php-fpm's emergency-restart detection (fpm_children.c).
import { EventEmitter } from 'node:events';
import type { ServiceLog } from '@libs/log';
import type { ChannelMessage, CustomMessageGuard, WorkerStatus } from './channel-messages';
import type { CrashStorm, CrashStormDetector } from './crash-storm-detector';
import { FixedSlots } from './fixed-slots';
import type { HeartbeatResult } from './heartbeat-monitor';
import { supervisorErrors } from './supervisor-errors';
import type { WorkerExit } from './worker-exit';
import { WorkerGroup, type GroupMember } from './worker-group';
import { DEFAULT_GRACEFUL_TIMEOUT_MS, DEFAULT_TERM_TIMEOUT_MS, type WorkerSpec, type WorkerState } from './worker-process';

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
  /** A ready worker silent this long is killed (SIGKILL) and its slot refilled; 0 (default): never. */
  heartbeatTimeoutMs?: number;
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

/** What the group keeps for each of the supervisor's workers. */
interface SlotTag {
  readonly slot: number;
  readonly generation: number;
}

type Member<TUp extends ChannelMessage, TDown extends ChannelMessage> = GroupMember<TUp, TDown, SlotTag>;

export class Supervisor<
  TUp extends ChannelMessage = never,
  TDown extends ChannelMessage = never,
> extends EventEmitter<SupervisorEvents<TUp>> {
  readonly crashStorm: CrashStormDetector;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private spec: WorkerSpec;
  private generation = 0;
  private lastGeneration = 0;
  private current: FixedSlots<TUp, TDown, SlotTag> | undefined;
  private replacing = false;
  private stopped: Promise<void> | undefined;
  private backoffUntil = 0;
  private readonly group: WorkerGroup<TUp, TDown, SlotTag>;
  private readonly count: number;
  private readonly log: ServiceLog;
  private readonly readyTimeoutMs: number;
  private readonly gracefulTimeoutMs: number;
  private readonly termTimeoutMs: number;
  private readonly backoffMs: number;

  constructor(options: SupervisorOptions<TUp>) {
    super();
    this.spec = options.spec;
    this.count = options.workers;
    this.log = options.log;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    this.gracefulTimeoutMs = options.gracefulTimeoutMs ?? DEFAULT_GRACEFUL_TIMEOUT_MS;
    this.termTimeoutMs = options.termTimeoutMs ?? DEFAULT_TERM_TIMEOUT_MS;
    const storm = options.crashStorm ?? { threshold: 0, intervalMs: 0 };
    this.backoffMs = storm.backoffMs ?? storm.intervalMs;
    this.group = new WorkerGroup<TUp, TDown, SlotTag>({
      log: options.log,
      isCustom: options.isCustom,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      crashStorm: storm,
    });
    this.crashStorm = this.group.crashStorm;
    this.group.on('crash-storm', (s) => this.onCrashStorm(s));
    this.group.on('spawn', (m) => this.emit('spawn', this.ref(m)));
    this.group.on('ready', (m, info) => this.emit('ready', this.ref(m), info));
    this.group.on('message', (msg, m) => this.emit('message', msg, this.ref(m)));
    this.group.on('exit', (exit, m) => this.emit('exit', supervised(exit, m.tag)));
  }

  /** The current generation's workers, by slot. */
  get workers(): WorkerRef[] {
    return this.slotMembers.flatMap((m) => (m ? [this.ref(m)] : []));
  }

  /** Every live worker, including an older generation still finishing its work. */
  get allWorkers(): WorkerRef[] {
    return [...this.group.members].map((m) => this.ref(m));
  }

  get currentGeneration(): number {
    return this.generation;
  }

  /** Spawn the first generation; resolves once every slot has a worker that reported "ready". */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw supervisorErrors.supervisorBusy('start');
    this.state = 'running';
    this.generation = ++this.lastGeneration;
    const slots = this.slotsFor(this.spec, this.generation);
    this.current = slots;
    const first = slots.start();
    slots.keepFilled();
    this.group.start();
    const failure = await this.group.waitFor(
      () => {
        if (this.state !== 'running') return 'the supervisor is stopping';
        // a first worker that exits before "ready" will not fare better when respawned (a bad configuration)
        const dead = first.find((m) => m.exit && m.worker.readyAt === undefined);
        if (dead?.exit) return dead.exit.line;
        return slots.members.every((m) => m?.worker.state === 'ready') ? true : undefined;
      },
      this.readyTimeoutMs,
      () => `${slots.members.filter((m) => m?.worker.state !== 'ready').length} of ${this.count} not ready after ${this.readyTimeoutMs} ms`,
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
    const slots = this.slotsFor(spec, generation);
    const fresh = slots.start();
    const failure = await this.group.waitFor(
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
      slots.close();
      this.log.warn(`generation ${generation} failed: ${failure}; generation ${this.generation} keeps serving`);
      await this.group.stop(fresh, { graceful: false, termTimeoutMs: this.termTimeoutMs });
      throw supervisorErrors.generationNotReady(generation, failure);
    }
    const old = [...this.group.members].filter((m) => m.tag.generation !== generation);
    this.current?.close();
    const previous = this.generation;
    this.spec = spec;
    this.generation = generation;
    this.current = slots;
    slots.keepFilled();
    this.log.notice(`generation ${generation} ready, retiring generation ${previous} gracefully`);
    const retired = Promise.all(old.map((m) => m.worker.exited.then((exit) => supervised(exit, m.tag))));
    void this.group.stop(old, { graceful: true, gracefulTimeoutMs: this.gracefulTimeoutMs, termTimeoutMs: this.termTimeoutMs });
    return { generation, pids: fresh.map((m) => m.worker.pid), retired };
  }

  /**
   * Worker recycling: `pid` leaves its slot to a successor started now, keeps serving until that
   * one reported ready, then retires gracefully (also when the successor is late, with a warning:
   * its slot keeps being refilled as any other).
   */
  async recycle(pid: number): Promise<void> {
    const slots = this.current;
    const old = this.slotMembers.find((m) => m?.worker.pid === pid);
    if (slots === undefined || old === undefined || this.state !== 'running') return;
    slots.handOver(old);
    const slot = old.tag.slot;
    const failure = await this.group.waitFor(
      () => {
        if (this.state !== 'running' || old.exit) return 'stopping';
        return slots.members[slot]?.worker.state === 'ready' ? true : undefined;
      },
      this.readyTimeoutMs,
      () => `no successor of child ${pid} ready after ${this.readyTimeoutMs} ms`,
    );
    if (failure !== undefined && this.state === 'running') this.log.warn(`${failure}; retiring child ${pid} all the same`);
    await this.group.stop([old], { graceful: true, gracefulTimeoutMs: this.gracefulTimeoutMs, termTimeoutMs: this.termTimeoutMs });
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
    this.current?.close();
    const exits = this.group.stop(this.group.members, {
      graceful: mode === 'graceful',
      gracefulTimeoutMs: this.gracefulTimeoutMs,
      termTimeoutMs: this.termTimeoutMs,
    });
    this.stopped ??= exits.then(() => {
      this.group.close();
      this.state = 'stopped';
    });
    return this.stopped;
  }

  /** Forward a log reopen (lighttpd SIGHUP, php-fpm SIGUSR1) to every live worker. */
  reopenLogs(): void {
    this.group.reopenLogs();
  }

  /** Send a service message to every worker of the current generation. */
  broadcast(msg: TDown): void {
    for (const m of this.slotMembers) m?.worker.send(msg);
  }

  /** Send a service message to one live worker (any generation); false when it has no live channel. */
  sendTo(pid: number, msg: TDown): boolean {
    for (const m of this.group.members) if (m.worker.pid === pid) return m.worker.send(msg);
    return false;
  }

  async queryStatus(timeoutMs = 1000): Promise<WorkerStatusEntry[]> {
    const live = this.slotMembers.filter((m): m is Member<TUp, TDown> => m !== undefined);
    return Promise.all(
      live.map(async (m) => {
        try {
          return { pid: m.worker.pid, slot: m.tag.slot, status: await m.worker.queryStatus(timeoutMs) };
        } catch (err) {
          return { pid: m.worker.pid, slot: m.tag.slot, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
  }

  /** False when any live, ready worker has not answered a heartbeat within maxAgeMs. */
  heartbeatHealthy(maxAgeMs: number): boolean {
    return this.group.heartbeatHealthy(maxAgeMs);
  }

  /** A watchdog probe: `{ ok: false, reason }` names each wedged pid. */
  heartbeatProbe(maxAgeMs: number): () => HeartbeatResult {
    return this.group.heartbeatProbe(maxAgeMs);
  }

  private get slotMembers(): ReadonlyArray<Member<TUp, TDown> | undefined> {
    return this.current?.members ?? [];
  }

  private ref(m: Member<TUp, TDown>): WorkerRef {
    return { pid: m.worker.pid, slot: m.tag.slot, generation: m.tag.generation, state: m.worker.state };
  }

  private slotsFor(spec: WorkerSpec, generation: number): FixedSlots<TUp, TDown, SlotTag> {
    return new FixedSlots(this.group, {
      size: this.count,
      spawn: (slot) => {
        const env = { ...(spec.env ?? process.env), [WORKER_SLOT_ENV]: String(slot), [WORKER_GENERATION_ENV]: String(generation) };
        return this.group.spawn({ ...spec, env }, { slot, generation });
      },
      respawnDelayMs: () => this.backoffUntil - performance.now(),
    });
  }

  private onCrashStorm(storm: CrashStorm): void {
    // lighttpd would keep forking; we back off so a broken worker does not spin the machine.
    this.backoffUntil = performance.now() + this.backoffMs;
    this.log.warn(`${storm.line}, respawning paused for ${this.backoffMs} ms`);
    this.emit('crash-storm', storm);
  }
}

function supervised(exit: WorkerExit, tag: SlotTag): SupervisedExit {
  return { ...exit, slot: tag.slot, generation: tag.generation };
}
