// fpm-ts's side of systemd (php-fpm's fpm_systemd.c, extended): READY=1 once the first children
// are ready, php-fpm's STATUS= line every systemd_interval, RELOADING=1/READY=1 around a reload,
// STOPPING=1, and a watchdog that is only fed while the master's loop runs on time and every
// ready worker answered its heartbeat recently (a wedged worker must lead to a restart).
import type { ServiceLog } from '@libs/log';
import type { HeartbeatResult } from '@libs/process';
import { createNotifier, startWatchdog, watchdogUsec, type Notifier, type Watchdog, type WatchdogProbe } from '@libs/systemd';
import { formatG3, systemdStatusLine, type StatusTotals } from './status-line';

/** A worker that has not answered a heartbeat for this long fails the watchdog probe (at least). */
const MIN_HEARTBEAT_SILENCE_MS = 3000;

export class SystemdReporter {
  private readonly notifier: Notifier = createNotifier();
  private statusTimer: NodeJS.Timeout | undefined;
  private watchdog: Watchdog | undefined;
  private readySent = false;
  private lastRequests = 0;

  constructor(
    private readonly log: ServiceLog,
    private readonly totals: () => StatusTotals,
    /** The worker group's probe: fails while a ready worker has not answered for maxAgeMs. */
    private readonly heartbeatProbe: (maxAgeMs: number) => () => HeartbeatResult,
  ) {}

  /**
   * READY=1 at start-up and after each reload. As php-fpm (which re-execs on reload) does, a
   * reload's READY restarts the STATUS= timer with the new systemd_interval and says so again.
   * `failedReload`: the old configuration keeps serving; READY=1 with that news, and nothing else
   * unless it is the first READY=1 (the reload came before the first children were up).
   */
  ready(intervalSeconds: number, failedReload?: string): void {
    if (failedReload !== undefined && this.readySent) {
      if (this.notifier.enabled) this.notifier.ready({ status: failedReload });
      return;
    }
    const ms = intervalSeconds * 1000;
    if (this.notifier.enabled) {
      this.notifier.ready({ status: failedReload ?? 'Ready to handle connections', mainPid: process.pid });
      if (!this.readySent) this.startWatchdog();
      if (this.statusTimer) clearInterval(this.statusTimer);
      this.statusTimer = undefined;
      if (ms > 0) {
        this.lastRequests = this.totals().requests;
        this.statusTimer = setInterval(() => this.sendStatus(ms), ms);
        this.statusTimer.unref();
      }
    }
    this.readySent = true;
    // Logged with or without systemd, as php-fpm built with systemd support (Debian's) does.
    this.log.notice(ms > 0 ? `systemd monitor interval set to ${ms}ms` : 'systemd monitor disabled');
  }

  reloading(): void {
    if (this.notifier.enabled) this.notifier.reloading();
  }

  stopping(): void {
    if (this.notifier.enabled) this.notifier.stopping();
    this.close();
  }

  close(): void {
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = undefined;
    this.watchdog?.stop();
    this.watchdog = undefined;
  }

  private sendStatus(intervalMs: number): void {
    const t = this.totals();
    const rate = ((t.requests - this.lastRequests) * 1000) / intervalMs;
    this.lastRequests = t.requests;
    this.notifier.status(systemdStatusLine(t, rate));
  }

  private startWatchdog(): void {
    const usec = watchdogUsec();
    if (usec === undefined) return;
    const silenceMs = Math.max(MIN_HEARTBEAT_SILENCE_MS, usec / 2000);
    this.watchdog = startWatchdog({ log: this.log, usec, probes: [this.workerHeartbeat(silenceMs)], notifier: this.notifier });
    this.log.notice(`systemd watchdog configured to ${formatG3(usec / 2e6)}sec`);
  }

  private workerHeartbeat(silenceMs: number): WatchdogProbe {
    const probe = this.heartbeatProbe(silenceMs);
    return {
      name: 'worker-heartbeat',
      check: () => {
        const result = probe();
        return result.ok ? { ok: true } : { ok: false, reason: result.reason ?? 'a worker has not answered a heartbeat' };
      },
    };
  }
}
