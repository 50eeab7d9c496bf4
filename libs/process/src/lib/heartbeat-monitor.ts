// The parent's heartbeat over the command channel: pings for every ready worker, how long each has
// been silent, and a probe for the systemd watchdog that fails while one is wedged. The worker group
// (worker-group.ts) drives it from its once-a-second tick.

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

/**
 * How long a worker has not answered a heartbeat: since its last answer, or since its "ready" if it
 * never answered. Undefined for a worker the heartbeat does not judge (not ready, or no channel).
 */
export function heartbeatSilenceMs(t: HeartbeatTarget, now: number): number | undefined {
  if (t.state !== 'ready' || !t.hasChannel) return undefined;
  return now - Math.max(t.lastPongAt ?? -Infinity, t.readyAt ?? -Infinity);
}

export class HeartbeatMonitor {
  private seq = 0;

  constructor(
    private readonly targets: () => Iterable<HeartbeatTarget>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  pingAll(): void {
    const seq = ++this.seq;
    for (const t of this.targets()) if (t.state === 'ready' && t.hasChannel) t.ping(seq);
  }

  /** Only live, ready workers with a channel are judged (see heartbeatSilenceMs). */
  check(maxAgeMs: number): HeartbeatResult {
    const now = this.now();
    const late: string[] = [];
    for (const t of this.targets()) {
      const silentMs = heartbeatSilenceMs(t, now);
      if (silentMs !== undefined && silentMs > maxAgeMs) late.push(`child ${t.pid} has not answered a heartbeat for ${Math.round(silentMs)} ms`);
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
