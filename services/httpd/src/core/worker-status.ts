// What one serving process reports about itself when mod_status (or the watcher's STATUS= line)
// asks: lighttpd keeps such counters per worker; with a watcher, httpd-ts gathers every worker's
// report so a status page shows the whole server.

/** One serving process's report: its identity and each module's published section. */
export interface WorkerStatusReport {
  readonly pid: number;
  /** Wall-clock start of this process, ms since the epoch. */
  readonly startedAt: number;
  /** The watcher's generation of this worker (0 without a watcher). */
  readonly generation: number;
  /** Connections open now. */
  readonly connections: number;
  /** Requests started since this process began. */
  readonly requests: number;
  /** Resident memory in bytes. */
  readonly rss: number;
  /** Each module's section, by module name (JSON-serialisable: it crosses the watcher's channel). */
  readonly sections: Readonly<Record<string, unknown>>;
}

/** Gathers every worker's report (this process's alone without a watcher). */
export type StatusGatherer = () => Promise<readonly WorkerStatusReport[]>;
