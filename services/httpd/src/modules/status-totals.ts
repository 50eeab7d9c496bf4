// The whole server as mod_status shows it: every worker's report summed (lighttpd 1.4.69 keeps
// mod_status counters per worker process and shows only the worker that answered; httpd-ts asks
// the watcher for every worker's report). Also the statistics modules publish (lighttpd's
// plugin_stats, "key: value"), summed key by key.
import type { WorkerStatusReport } from '../core/worker-status';
import type { StatusConnection, StatusSection } from './status-counters';

/** The section name mod_status publishes under. */
export const STATUS_SECTION = 'mod_status';

/**
 * What a module may publish, in its own section, for the statistics page: integer counters by key
 * (lighttpd's status_counter_set / plugin_stats, e.g. "fastcgi.active-requests").
 */
export interface PublishedStatistics {
  readonly statistics: Readonly<Record<string, number>>;
}

export interface StatusTotals {
  readonly workers: number;
  /** Wall-clock start of the oldest worker, ms since the epoch. */
  readonly startedAt: number;
  readonly requests: number;
  readonly traffic: number;
  readonly requests5s: number;
  readonly traffic5s: number;
  readonly maxConnections: number;
  readonly connections: readonly StatusConnection[];
}

function isSection(v: unknown): v is StatusSection {
  return typeof v === 'object' && v !== null && typeof (v as StatusSection).requests === 'number' && Array.isArray((v as StatusSection).connections);
}

export function sumReports(reports: readonly WorkerStatusReport[]): StatusTotals {
  let startedAt = Infinity;
  let requests = 0;
  let traffic = 0;
  let requests5s = 0;
  let traffic5s = 0;
  let maxConnections = 0;
  const connections: StatusConnection[] = [];
  for (const rep of reports) {
    startedAt = Math.min(startedAt, rep.startedAt);
    const s = rep.sections[STATUS_SECTION];
    if (!isSection(s)) continue;
    requests += s.requests;
    traffic += s.traffic;
    requests5s += s.requests5s;
    traffic5s += s.traffic5s;
    maxConnections += s.maxConnections;
    connections.push(...s.connections);
  }
  return {
    workers: reports.length,
    startedAt: Number.isFinite(startedAt) ? startedAt : Date.now(),
    requests,
    traffic,
    requests5s,
    traffic5s,
    maxConnections,
    connections,
  };
}

/** array.c array_keycmp: shorter keys first, then a case-insensitive comparison. */
function keyOrder(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : 0;
}

/** Every module's published statistics, summed over the workers, in lighttpd's key order. */
export function sumStatistics(reports: readonly WorkerStatusReport[]): Array<readonly [string, number]> {
  const totals = new Map<string, number>();
  for (const rep of reports) {
    for (const section of Object.values(rep.sections)) {
      if (typeof section !== 'object' || section === null) continue;
      const stats = (section as Partial<PublishedStatistics>).statistics;
      if (typeof stats !== 'object' || stats === null) continue;
      for (const [k, v] of Object.entries(stats)) {
        if (typeof v === 'number' && Number.isFinite(v)) totals.set(k, (totals.get(k) ?? 0) + Math.trunc(v));
      }
    }
  }
  return [...totals].sort((a, b) => keyOrder(a[0], b[0]));
}
