// The systemd watchdog (sd_watchdog_enabled(3), WatchdogSec=): ping WATCHDOG=1 at half the interval,
// but only while every liveness probe passes, so a wedged service is restarted rather than being
// reported healthy. The event-loop-lag probe is built in; callers add their own (worker heartbeats).
import { performance } from 'node:perf_hooks';
import type { ServiceLog } from '@libs/log';
import { systemdNotify, type Notifier } from './notify';

export type ProbeResult = { ok: true } | { ok: false; reason: string };

export interface WatchdogProbe {
  readonly name: string;
  check(): ProbeResult;
  // Releases timers or histograms the probe holds; called by Watchdog.stop().
  close?(): void;
}

// WATCHDOG_USEC as sd_watchdog_enabled() reads it: undefined when unset, invalid, zero, or when
// WATCHDOG_PID names another process.
export function watchdogUsec(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): number | undefined {
  const usec = env['WATCHDOG_USEC'];
  if (usec === undefined || !/^\d+$/.test(usec) || Number(usec) === 0) return undefined;
  const wpid = env['WATCHDOG_PID'];
  if (wpid !== undefined && wpid !== '' && Number(wpid) !== pid) return undefined;
  return Number(usec);
}

export interface EventLoopLagProbeOptions {
  // Fail when the loop was late by more than this since the previous check.
  maxLagMs: number;
  // How often the probe is checked; a check arriving later than this plus maxLagMs also fails.
  checkPeriodMs?: number;
  // How often the loop is sampled.
  resolutionMs?: number;
}

// Event-loop lag, measured as how late a repeating timer fires, the quantity
// perf_hooks.monitorEventLoopDelay records. We sample it ourselves because that histogram cannot be
// windowed: after reset() its next sample is dropped (measured on Node 20), so a stall that starts
// right after a check, exactly when a lagging loop runs its timers, would never be seen.
export function createEventLoopLagProbe(options: EventLoopLagProbeOptions): WatchdogProbe {
  const { maxLagMs } = options;
  const resolutionMs = options.resolutionMs ?? 10;
  let maxLateMs = 0;
  let expected = performance.now() + resolutionMs;
  let sampler: NodeJS.Timeout | undefined;
  const sample = () => {
    const now = performance.now();
    maxLateMs = Math.max(maxLateMs, now - expected);
    expected = now + resolutionMs;
    sampler = setTimeout(sample, resolutionMs);
    sampler.unref();
  };
  sampler = setTimeout(sample, resolutionMs);
  sampler.unref();
  let lastCheck = performance.now();
  return {
    name: 'event-loop-lag',
    check() {
      const now = performance.now();
      // A stall still in progress for the sampler (its timer not yet run) shows as lateness of the
      // sampler's due time, or of this check itself.
      const pendingMs = now - expected;
      const checkLateMs = options.checkPeriodMs === undefined ? 0 : now - lastCheck - options.checkPeriodMs;
      const lagMs = Math.max(maxLateMs, pendingMs, checkLateMs);
      maxLateMs = 0;
      lastCheck = now;
      // A stall counted here as pending is not counted again when the overdue sampler runs.
      expected = Math.max(expected, now);
      if (lagMs > maxLagMs) return { ok: false, reason: `event loop lagged ${Math.round(lagMs)} ms (limit ${maxLagMs} ms)` };
      return { ok: true };
    },
    close() {
      if (sampler !== undefined) clearTimeout(sampler);
    },
  };
}

export interface WatchdogOptions {
  log: ServiceLog;
  // Default: watchdogUsec(process.env).
  usec?: number;
  probes?: readonly WatchdogProbe[];
  // Event-loop lag limit; default a quarter of the watchdog interval.
  maxEventLoopLagMs?: number;
  notifier?: Notifier;
}

export interface Watchdog {
  readonly intervalMs: number;
  readonly pingPeriodMs: number;
  // Adds a probe; the returned function removes it again.
  addProbe(probe: WatchdogProbe): () => void;
  stop(): void;
}

// Starts pinging; undefined when systemd asked for no watchdog.
export function startWatchdog(options: WatchdogOptions): Watchdog | undefined {
  const usec = options.usec ?? watchdogUsec();
  if (usec === undefined) return undefined;
  const { log } = options;
  const notifier = options.notifier ?? systemdNotify;
  const intervalMs = usec / 1000;
  const pingPeriodMs = intervalMs / 2;
  const lagProbe = createEventLoopLagProbe({
    maxLagMs: options.maxEventLoopLagMs ?? intervalMs / 4,
    checkPeriodMs: pingPeriodMs,
  });
  const probes: WatchdogProbe[] = [lagProbe, ...(options.probes ?? [])];
  // The failure last logged: one line per change, not one per round, while pings are withheld.
  let withheldFor: string | undefined;

  function tick(): void {
    const failures: string[] = [];
    // Every probe is checked each round so each one's window starts afresh.
    for (const probe of probes) {
      const result = probe.check();
      if (!result.ok) failures.push(`${probe.name}: ${result.reason}`);
    }
    if (failures.length > 0) {
      const names = failures.map((f) => f.slice(0, f.indexOf(':'))).join(',');
      if (names !== withheldFor) log.warn(`watchdog: withholding WATCHDOG=1, probe failed (${failures.join('; ')})`);
      withheldFor = names;
      return;
    }
    if (withheldFor !== undefined) {
      log.notice('watchdog: all probes pass again, resuming WATCHDOG=1');
      withheldFor = undefined;
    }
    notifier.watchdog();
  }

  const timer = setInterval(tick, pingPeriodMs);
  // The watchdog alone must not keep a process alive that has nothing else to do.
  timer.unref();

  return {
    intervalMs,
    pingPeriodMs,
    addProbe(probe) {
      probes.push(probe);
      return () => {
        const i = probes.indexOf(probe);
        if (i >= 0) probes.splice(i, 1);
      };
    },
    stop() {
      clearInterval(timer);
      for (const probe of probes) probe.close?.();
    },
  };
}
