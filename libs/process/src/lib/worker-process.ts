// One supervised child: php-fpm's fpm_children_make()/fpm_children_bury() and nginx's
// ngx_spawn_process() for a single process: spawn with inherited listening fds, talk over the
// command channel, capture output, reap and classify the exit, stop with escalation.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import type { ServiceLog } from '@libs/log';
import {
  asChannelMessage,
  parseWorkerReport,
  type ChannelMessage,
  type CustomMessageGuard,
  type ParentCommand,
  type WorkerReport,
  type WorkerStatus,
} from './channel-messages';
import { DeadlineTimer } from './supervisor-deadlines';
import { supervisorErrors, type SupervisorError } from './supervisor-errors';
import { describeExit, exitSeverity, type WorkerExit } from './worker-exit';
import { pipeLines, type OutputLineHandler } from './worker-output';

/**
 * Where the listening sockets land in the child:
 * - 'ipc': fds 3, 4, ... in the order given, then the IPC channel (our own JS workers);
 * - 'fcgi': the first socket at fd 0 = FCGI_LISTENSOCK_FILENO, any others at 3, ..., and no
 *   IPC channel (external FastCGI programs such as php-cgi).
 */
export type ListenPlacement = 'ipc' | 'fcgi';

export interface WorkerSpec {
  command: string;
  args?: readonly string[];
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  listenFds?: readonly number[];
  /** More descriptors the child inherits, right after the listening ones (files opened for it). */
  inheritFds?: readonly number[];
  placement?: ListenPlacement;
  /** 'inherit' (default), 'ignore' (php-fpm without catch_workers_output), or one call per line. */
  output?: 'inherit' | 'ignore' | OutputLineHandler;
  /** Graceful-stop signal for children without a channel (default SIGTERM). */
  quitSignal?: NodeJS.Signals;
  /** Put before every log line, e.g. "[pool www] " as php-fpm does. */
  logPrefix?: string;
  /**
   * Level of the "child N started" line (default notice). php-fpm logs the children it starts
   * on its own account (start-up, spares, ondemand) at debug, and replacements of exited ones at notice.
   */
  startedLogLevel?: 'notice' | 'debug';
}

export interface StopOptions {
  /** true: "quit" over the channel (or quitSignal), SIGTERM after gracefulTimeoutMs. false: SIGTERM now. */
  graceful: boolean;
  gracefulTimeoutMs?: number;
  /** After SIGTERM, SIGKILL follows this much later. */
  termTimeoutMs?: number;
}

export const DEFAULT_GRACEFUL_TIMEOUT_MS = 30_000;
export const DEFAULT_TERM_TIMEOUT_MS = 5_000;

export interface WorkerProcessOptions<TUp extends ChannelMessage> {
  log?: ServiceLog;
  /** Shared by all workers of one supervisor or pool, so escalation needs one timer, not one per child. */
  deadlines?: DeadlineTimer;
  /** Recognises the service's own worker->parent messages; others are ignored with a debug line. */
  isCustom?: CustomMessageGuard<TUp>;
}

export type WorkerState = 'starting' | 'ready' | 'stopping' | 'exited';

export type WorkerProcessEvents<TUp extends ChannelMessage> = {
  spawn: [pid: number];
  ready: [info: WorkerStatus | undefined];
  message: [msg: TUp];
  exit: [exit: WorkerExit];
};

interface PendingStatus {
  resolve: (s: WorkerStatus) => void;
  reject: (e: SupervisorError) => void;
  cancel: () => void;
}

const noop = (): void => undefined;

export class WorkerProcess<
  TUp extends ChannelMessage = never,
  TDown extends ChannelMessage = never,
> extends EventEmitter<WorkerProcessEvents<TUp>> {
  readonly spec: WorkerSpec;
  readonly hasChannel: boolean;
  /** performance.now() at spawn. */
  readonly startedAt: number;
  readonly exited: Promise<WorkerExit>;
  state: WorkerState = 'starting';
  readyAt: number | undefined;
  /** performance.now() of the last heartbeat answer. */
  lastPongAt: number | undefined;
  private expected = false;
  private stopMode: 'graceful' | 'immediate' | undefined;
  private cancelEscalation: () => void = noop;
  private readonly child: ChildProcess;
  private readonly log: ServiceLog | undefined;
  private readonly deadlines: DeadlineTimer;
  private readonly isCustom: CustomMessageGuard<TUp> | undefined;
  private readonly statusQueries = new Map<number, PendingStatus>();
  private nextQueryId = 1;
  private settle: (exit: WorkerExit) => void = noop;

  constructor(spec: WorkerSpec, options: WorkerProcessOptions<TUp> = {}) {
    super();
    this.spec = spec;
    this.log = options.log;
    this.deadlines = options.deadlines ?? new DeadlineTimer();
    this.isCustom = options.isCustom;
    this.hasChannel = (spec.placement ?? 'ipc') === 'ipc';
    this.exited = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.startedAt = performance.now();
    this.child = spawn(spec.command, [...(spec.args ?? [])], {
      stdio: this.stdio(),
      env: spec.env ?? process.env,
      cwd: spec.cwd,
      uid: spec.uid,
      gid: spec.gid,
    });
    this.wire();
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Send a command or a service message; false when there is no live channel. */
  send(msg: ParentCommand | TDown): boolean {
    if (!this.hasChannel || !this.child.connected) return false;
    // The callback swallows EPIPE from a child that just died; its exit is reported separately.
    this.child.send(msg, (err: Error | null) => {
      if (err) this.log?.debug(`${this.prefix()}sending "${msg.type}" to child ${this.pid} failed: ${err.message}`);
    });
    return true;
  }

  /**
   * Send a message with a socket or server attached (SCM_RIGHTS over the IPC channel), e.g. a
   * connection the parent accepted for this worker. `onError` runs when it could not be sent.
   */
  sendHandle(msg: TDown, handle: net.Socket | net.Server, onError: (err: Error) => void): boolean {
    if (!this.hasChannel || !this.child.connected) return false;
    this.child.send(msg, handle, {}, (err: Error | null) => {
      if (err) onError(err);
    });
    return true;
  }

  ping(seq: number): boolean {
    return this.send({ type: 'heartbeat-ping', seq });
  }

  reopenLogs(): boolean {
    return this.send({ type: 'reopen-logs' });
  }

  /** nginx NGX_CMD_TERMINATE: ask for a fast exit over the channel (no escalation). */
  terminate(): boolean {
    this.expected = true;
    return this.send({ type: 'terminate' });
  }

  queryStatus(timeoutMs = 1000): Promise<WorkerStatus> {
    if (!this.hasChannel) return Promise.reject(supervisorErrors.workerNoChannel(this.pid, 'status-query'));
    if (this.state === 'exited') return Promise.reject(supervisorErrors.workerGone(this.pid));
    const id = this.nextQueryId++;
    return new Promise<WorkerStatus>((resolve, reject) => {
      const cancel = this.deadlines.after(timeoutMs, () => {
        this.statusQueries.delete(id);
        reject(supervisorErrors.workerStatusTimeout(this.pid, timeoutMs));
      });
      this.statusQueries.set(id, { resolve, reject, cancel });
      this.send({ type: 'status-query', id });
    });
  }

  /** Signal the child; by default this counts as asked for (no crash accounting, no respawn). */
  kill(signal: NodeJS.Signals = 'SIGTERM', expected = true): boolean {
    if (expected) this.expected = true;
    if (this.state === 'exited' || this.child.exitCode !== null || this.child.signalCode !== null) return false;
    return this.child.kill(signal);
  }

  /**
   * Stop with escalation, resolving once the child is reaped. Graceful: "quit" (or quitSignal),
   * SIGTERM after gracefulTimeoutMs, SIGKILL termTimeoutMs later. Immediate: SIGTERM, then SIGKILL.
   * An immediate stop overrides a graceful one in progress.
   */
  stop(options: StopOptions): Promise<WorkerExit> {
    if (this.state === 'exited') return this.exited;
    // A child that never said "ready" has nothing in flight, and may not listen to its channel yet.
    if (options.graceful && this.state === 'starting' && this.hasChannel) options = { ...options, graceful: false };
    if (this.stopMode === 'immediate' || (this.stopMode === 'graceful' && options.graceful)) return this.exited;
    this.expected = true;
    this.state = 'stopping';
    this.cancelEscalation();
    const termTimeoutMs = options.termTimeoutMs ?? DEFAULT_TERM_TIMEOUT_MS;
    const sigterm = (): void => {
      this.kill('SIGTERM');
      this.cancelEscalation = this.deadlines.after(termTimeoutMs, () => {
        this.log?.warn(`${this.prefix()}child ${this.pid} still running ${termTimeoutMs} ms after SIGTERM, sending SIGKILL`);
        this.kill('SIGKILL');
      });
    };
    if (options.graceful) {
      this.stopMode = 'graceful';
      const gracefulTimeoutMs = options.gracefulTimeoutMs ?? DEFAULT_GRACEFUL_TIMEOUT_MS;
      if (!this.send({ type: 'quit' })) this.kill(this.spec.quitSignal ?? 'SIGTERM');
      this.cancelEscalation = this.deadlines.after(gracefulTimeoutMs, () => {
        this.log?.notice(`${this.prefix()}child ${this.pid} still running ${gracefulTimeoutMs} ms after quit, sending SIGTERM`);
        sigterm();
      });
    } else {
      this.stopMode = 'immediate';
      sigterm();
    }
    return this.exited;
  }

  private prefix(): string {
    return this.spec.logPrefix ?? '';
  }

  private stdio(): StdioOptions {
    const fds = [...(this.spec.listenFds ?? []), ...(this.spec.inheritFds ?? [])];
    const out = this.spec.output ?? 'inherit';
    const stream = typeof out === 'function' ? 'pipe' : out;
    if (this.hasChannel) return ['ignore', stream, stream, ...fds, 'ipc'];
    const [first, ...rest] = fds;
    return [first ?? 'ignore', stream, stream, ...rest];
  }

  private wire(): void {
    const child = this.child;
    child.once('spawn', () => {
      this.log?.[this.spec.startedLogLevel ?? 'notice'](`${this.prefix()}child ${this.pid} started`);
      const output = this.spec.output;
      if (typeof output === 'function') {
        if (child.stdout) pipeLines(child.stdout, 'stdout', this.pid, output);
        if (child.stderr) pipeLines(child.stderr, 'stderr', this.pid, output);
      }
      this.emit('spawn', this.pid);
      // Without a channel there is nobody to say "ready": started is as ready as it gets.
      if (!this.hasChannel) this.markReady(undefined);
    });
    child.once('error', (err) => {
      // Only a failed spawn ends the worker here; a failed kill()/send() on a live child does not.
      if (child.pid === undefined) this.finish(null, null, supervisorErrors.workerSpawn(this.spec.command, err));
      else this.log?.debug(`${this.prefix()}child ${child.pid}: ${err.message}`);
    });
    child.once('exit', (code, signal) => this.finish(code, signal, undefined));
    child.on('message', (raw: unknown) => this.onMessage(raw));
  }

  private markReady(info: WorkerStatus | undefined): void {
    if (this.state !== 'starting') return;
    this.state = 'ready';
    this.readyAt = performance.now();
    this.emit('ready', info);
  }

  private onMessage(raw: unknown): void {
    const msg = asChannelMessage(raw);
    const report: WorkerReport | undefined = msg && parseWorkerReport(msg);
    if (report) {
      switch (report.type) {
        case 'ready':
          this.markReady(report.info);
          return;
        case 'heartbeat-pong':
          this.lastPongAt = performance.now();
          return;
        case 'status-reply': {
          const q = this.statusQueries.get(report.id);
          if (!q) return;
          this.statusQueries.delete(report.id);
          q.cancel();
          q.resolve(report.status);
          return;
        }
      }
    }
    if (msg && this.isCustom?.(msg)) {
      this.emit('message', msg);
      return;
    }
    this.log?.debug(`${this.prefix()}ignoring unknown message from child ${this.pid}: ${JSON.stringify(raw)?.slice(0, 200)}`);
  }

  private finish(code: number | null, signal: NodeJS.Signals | null, spawnError: SupervisorError | undefined): void {
    if (this.state === 'exited') return;
    this.state = 'exited';
    this.cancelEscalation();
    this.cancelEscalation = noop;
    const lifetimeMs = performance.now() - this.startedAt;
    const pid = this.pid;
    const line = spawnError ? spawnError.message : describeExit({ pid, code, signal, lifetimeMs });
    const exit: WorkerExit = spawnError
      ? { pid, code, signal, lifetimeMs, expected: this.expected, line, spawnError }
      : { pid, code, signal, lifetimeMs, expected: this.expected, line };
    this.log?.[exitSeverity(exit)](`${this.prefix()}${line}`);
    for (const q of this.statusQueries.values()) {
      q.cancel();
      q.reject(supervisorErrors.workerGone(pid));
    }
    this.statusQueries.clear();
    this.settle(exit);
    this.emit('exit', exit);
  }
}
