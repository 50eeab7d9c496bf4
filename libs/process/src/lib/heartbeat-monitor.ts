// The parent's heartbeat: one interval pings every ready worker over its channel; a probe for the
// systemd watchdog fails while any ready worker has not answered for too long (a wedged event loop).

/** What the monitor needs of a worker (WorkerProcess has all of it). */
export interface HeartbeatTarget {
  readonly pid: number;
  readonly state: string;
  readonly hasChannel: boolean;
  readonly readyAt: number | undefined;
  readonly lastPongAt: number | undefined;
  ping(seq: number): boolean;
}

export interface HeartbeatResult {
  ok: boolean;
  reason?: string;
}

export class HeartbeatMonitor {
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;

  constructor(
    private readonly targets: () => Iterable<HeartbeatTarget>,
    readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.timer || this.intervalMs <= 0) return;
    // Unref'd: the heartbeat alone never keeps a parent alive.
    this.timer = setInterval(() => this.pingAll(), this.intervalMs).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  pingAll(): void {
    const seq = ++this.seq;
    for (const t of this.targets()) if (t.state === 'ready' && t.hasChannel) t.ping(seq);
  }

  /** Only live, ready workers with a channel count; one that never answered is timed from its "ready". */
  check(maxAgeMs: number): HeartbeatResult {
    const now = this.now();
    const late: string[] = [];
    for (const t of this.targets()) {
      if (t.state !== 'ready' || !t.hasChannel) continue;
      const last = Math.max(t.lastPongAt ?? -Infinity, t.readyAt ?? -Infinity);
      const age = now - last;
      if (age > maxAgeMs) late.push(`child ${t.pid} has not answered a heartbeat for ${Math.round(age)} ms`);
    }
    return late.length === 0 ? { ok: true } : { ok: false, reason: late.join('; ') };
  }

  healthy(maxAgeMs: number): boolean {
    return this.check(maxAgeMs).ok;
  }

  /** For the systemd watchdog: `() => { ok, reason }`. */
  probe(maxAgeMs: number): () => HeartbeatResult {
    return () => this.check(maxAgeMs);
  }
}
