// The watcher's own messages on the worker channel, besides @libs/process's commands (quit,
// terminate, reopen-logs, status-query, heartbeat): a worker asks for every worker's status report
// (mod_status shows the whole server) and asks to be replaced (worker recycling).
import type { ChannelMessage } from '@libs/process';
import type { WorkerStatusReport } from '../core/worker-status';

/** worker -> watcher: send me every worker's report, tagged with `id`. */
export interface GatherStatus {
  readonly type: 'gather-status';
  readonly id: number;
}

/** worker -> watcher: start my successor, then retire me gracefully (a recycling limit was reached). */
export interface RecycleMe {
  readonly type: 'recycle';
  readonly reason: string;
}

/** watcher -> worker: the reports asked for with `id`. */
export interface GatheredStatus {
  readonly type: 'gathered-status';
  readonly id: number;
  readonly reports: readonly WorkerStatusReport[];
}

export type WorkerToWatcher = GatherStatus | RecycleMe;
export type WatcherToWorker = GatheredStatus;

const field = (m: ChannelMessage, k: string): unknown => (m as unknown as Record<string, unknown>)[k];

export function isWorkerToWatcher(m: ChannelMessage): m is WorkerToWatcher {
  if (m.type === 'gather-status') return typeof field(m, 'id') === 'number';
  return m.type === 'recycle' && typeof field(m, 'reason') === 'string';
}

export function isWatcherToWorker(m: ChannelMessage): m is WatcherToWorker {
  return m.type === 'gathered-status' && typeof field(m, 'id') === 'number' && Array.isArray(field(m, 'reports'));
}
