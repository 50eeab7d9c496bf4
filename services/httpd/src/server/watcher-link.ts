// A worker's side of its watcher: readiness, the watcher's commands (quit, terminate, reopen-logs,
// heartbeat, status query, all answered from this event loop), every worker's status report for
// mod_status, and "replace me" when a recycling limit is reached.
import type { ServiceLog } from '@libs/log';
import { connectToParent, type ParentChannel, type WorkerStatus } from '@libs/process';
import type { WorkerStatusReport } from '../core/worker-status';
import { isWatcherToWorker, type WatcherToWorker, type WorkerToWatcher } from './watcher-messages';

/** A status page waits this long for the watcher before showing this worker alone. */
const GATHER_TIMEOUT_MS = 2000;

export class WatcherLink {
  private readonly channel: ParentChannel<WorkerToWatcher, WatcherToWorker>;
  private readonly pending = new Map<number, (reports: readonly WorkerStatusReport[] | null) => void>();
  private nextId = 1;
  private recycleAsked = false;

  constructor(private readonly log: ServiceLog) {
    this.channel = connectToParent<WorkerToWatcher, WatcherToWorker>({ log, isCustom: isWatcherToWorker });
    this.channel.onMessage((m) => {
      this.pending.get(m.id)?.(m.reports);
      this.pending.delete(m.id);
    });
  }

  /** Sockets open, modules initialised: the watcher may count this worker as serving. */
  ready(): void {
    this.channel.ready({ pid: process.pid });
  }

  onQuit(fn: () => void): void {
    this.channel.onQuit(fn);
  }

  onTerminate(fn: () => void): void {
    this.channel.onTerminate(fn);
  }

  onReopenLogs(fn: () => void): void {
    this.channel.onReopenLogs(fn);
  }

  /** What this worker answers to the watcher's status queries. */
  onStatus(report: () => WorkerStatusReport): void {
    this.channel.onStatus(() => report() as unknown as WorkerStatus);
  }

  /** Every worker's report; this worker's alone (`local`) when the watcher does not answer in time. */
  gather(local: () => WorkerStatusReport): Promise<readonly WorkerStatusReport[]> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(null), GATHER_TIMEOUT_MS);
      const settle = (reports: readonly WorkerStatusReport[] | null): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (reports === null) this.log.warn('the watcher did not send the other workers\' status in time; showing this worker only');
        resolve(reports ?? [local()]);
      };
      this.pending.set(id, settle);
      this.channel.send({ type: 'gather-status', id });
    });
  }

  /** Asks once to be replaced; the watcher starts a successor first, then sends "quit". */
  recycle(reason: string): void {
    if (this.recycleAsked) return;
    this.recycleAsked = true;
    this.log.notice(`[note] worker recycling: ${reason}; asking the watcher for a successor`);
    this.channel.send({ type: 'recycle', reason });
  }

  close(): void {
    for (const settle of this.pending.values()) settle(null);
    this.channel.close();
  }
}
