// One coarse timer for many deadlines (graceful-stop escalation, ready and status timeouts,
// delayed respawns), armed for the earliest one: undici's one-timer-for-many-sockets idea.

interface Deadline {
  due: number;
  fn: () => void;
}

export class DeadlineTimer {
  private readonly entries = new Set<Deadline>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Run `fn` once, `delayMs` from now; returns a cancel function. */
  after(delayMs: number, fn: () => void): () => void {
    const entry: Deadline = { due: this.now() + Math.max(0, delayMs), fn };
    this.entries.add(entry);
    this.arm();
    return () => {
      if (this.entries.delete(entry)) this.arm();
    };
  }

  get pending(): number {
    return this.entries.size;
  }

  /** Drop every pending deadline (used when the owner shuts down for good). */
  close(): void {
    this.entries.clear();
    this.arm();
  }

  private arm(): void {
    let earliest = Infinity;
    for (const e of this.entries) earliest = Math.min(earliest, e.due);
    if (earliest === this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = earliest;
    if (earliest === Infinity) return;
    // The timer never keeps the process alive on its own: the children being waited for do.
    this.timer = setTimeout(() => this.fire(), Math.max(0, earliest - this.now())).unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.now();
    const due = [...this.entries].filter((e) => e.due <= now).sort((a, b) => a.due - b.due);
    for (const e of due) this.entries.delete(e);
    for (const e of due) e.fn();
    this.arm();
  }
}
