// The 1-second trigger: lighttpd's main loop wakes once a second (server.c, handle_sig_alarm /
// server_handle_sigalrm) to run plugins' handle_trigger, check timeouts and reset traffic budgets.
// One coarse timer per process instead of one timer per connection; `now` is the cached clock that
// request code reads (lighttpd's log_epoch_secs) so no read or write calls Date.now().
export type TriggerSubscriber = (now: number) => void;

export class Trigger {
  /** Seconds since the epoch, refreshed on every tick. */
  now = Math.floor(Date.now() / 1000);
  private readonly subscribers: TriggerSubscriber[] = [];
  private timer: NodeJS.Timeout | null = null;
  private holds = 0;
  private dateSecond = -1;
  private dateText = '';

  /** Subscribers run in subscription order, once per tick. Returns the unsubscribe function. */
  subscribe(fn: TriggerSubscriber): () => void {
    this.subscribers.push(fn);
    this.start();
    return () => {
      const i = this.subscribers.indexOf(fn);
      if (i >= 0) this.subscribers.splice(i, 1);
      if (this.subscribers.length === 0) this.stop();
    };
  }

  /**
   * Keeps the process alive while someone waits for a tick (disabled sockets waiting to be enabled
   * again); otherwise the timer is unref'd so an idle worker can exit. Returns the release function.
   */
  hold(): () => void {
    this.holds++;
    this.timer?.ref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.holds === 0) this.timer?.unref();
    };
  }

  /** The HTTP Date header value for the current second, formatted once per second (RFC 9110 5.6.7). */
  get httpDate(): string {
    if (this.dateSecond !== this.now) {
      this.dateSecond = this.now;
      this.dateText = new Date(this.now * 1000).toUTCString();
    }
    return this.dateText;
  }

  /** Runs one tick now (the timer calls this; tests may too). */
  tick(): void {
    this.now = Math.floor(Date.now() / 1000);
    for (const fn of this.subscribers.slice()) fn(this.now);
  }

  private start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.tick(), 1000);
    if (this.holds === 0) this.timer.unref();
  }

  private stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
  }
}

let shared: Trigger | null = null;

/** The process's trigger: every FdEvent of a process shares it. */
export function processTrigger(): Trigger {
  shared ??= new Trigger();
  return shared;
}
