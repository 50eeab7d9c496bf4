// The watcher of server.max-worker >= 2 (lighttpd 1.4.69 server.c server_main_setup_workers): it
// holds the listening sockets (configured or from systemd) and never accepts on them; it keeps N
// workers alive on @libs/process's Supervisor (each a `httpd-ts` started with the same flags and
// the sockets at fds 3..), replaces one that dies, and speaks for the service to systemd: READY=1
// once every first worker is ready, STATUS= lines, RELOADING=1/READY=1 around a graceful restart,
// STOPPING=1, and a watchdog that pings only while every worker answers its heartbeat.
//
// Signals keep lighttpd's meaning: SIGTERM stops now, SIGINT gracefully (twice: now), SIGHUP
// reopens the logs here and in every worker, SIGUSR1 re-reads the configuration and, if it is good,
// starts a new generation of workers before retiring the old one (which answers each kept-alive
// client once more, with "Connection: close"); a bad configuration leaves the old workers serving.
import fs from 'node:fs';
import type { ErrorLog } from '@libs/log';
import { openServerSockets, type ServerSocket } from '@libs/fdevent';
import {
  createSignalEvents,
  HTTPD_SIGNAL_INTENTS,
  listeningFdOf,
  Supervisor,
  type DaemonHandle,
  type PidFile,
  type WorkerRef,
  type WorkerSpec,
} from '@libs/process';
import { listenFds, startWatchdog, systemdNotify, type Watchdog } from '@libs/systemd';
import type { ValidationResult } from '../config';
import { VERSION } from '../core/version';
import type { WorkerStatusReport } from '../core/worker-status';
import { EXIT_FAILURE, serveErrors } from './errors';
import { featureInt } from './feature-flags';
import { listenSpecs } from './listen-specs';
import { loadHttpPlugins, unknownKeyWarnings } from './plugins';
import type { ServeContext } from './serve-context';
import { targetIds } from './privileges';
import { codeOf, globalEnabled, globalString, listenError } from './startup';
import { unbuiltFeatures } from './unbuilt-features';
import { isWorkerToWatcher, type WatcherToWorker, type WorkerToWatcher } from './watcher-messages';
import { encodeWorkerSockets, WORKER_SOCKETS_ENV } from './worker-role';

export interface WatcherStart {
  readonly log: ErrorLog;
  readonly pidFile: PidFile | null;
  readonly daemon: DaemonHandle | null;
  /** server.max-worker (>= 2). */
  readonly workers: number;
}

/** How long new workers may take to say "ready" (start-up and graceful restart). */
const READY_TIMEOUT_MS = 30_000;
/** A worker silent this long is wedged (an endless loop, a blocking call): killed and replaced. */
const HEARTBEAT_TIMEOUT_MS = 10_000;
/**
 * A worker silent this long fails the watchdog probe: it outlived the heartbeat timeout, so the
 * watcher could not replace it, and systemd hears nothing. Not shorter: pings go out every
 * WatchdogSec/2, so one withheld while the replacement is under way puts the next at systemd's
 * deadline, and the whole service was restarted for one wedged worker (seen with WatchdogSec=4s).
 */
const HEARTBEAT_SILENCE_MS = HEARTBEAT_TIMEOUT_MS + 5_000;
/** How often STATUS= is refreshed with the workers' counters. */
const STATUS_INTERVAL_MS = 5_000;
/** After SIGTERM, workers get this long before SIGKILL. */
const TERM_TIMEOUT_MS = 5_000;

/** What systemd and `systemctl status` hear from the watcher. */
function statusLine(workers: number, reports: readonly WorkerStatusReport[], rate: number | null): string {
  const connections = reports.reduce((n, r) => n + r.connections, 0);
  return `${workers} workers, ${connections} connections${rate === null ? '' : `, ${rate.toFixed(1)} requests/s`}`;
}

/** The environment of a worker: ours, minus what systemd meant for the watcher alone. */
function workerEnv(names: readonly string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [WORKER_SOCKETS_ENV]: encodeWorkerSockets(names) };
  for (const k of ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES']) delete env[k];
  return env;
}

/** A worker is this program again, with the same flags (lighttpd forks; Node starts a process). */
function workerSpec(sockets: readonly ServerSocket[]): WorkerSpec {
  const names = sockets.map((s) => s.config?.address ?? s.label);
  return {
    command: process.execPath,
    args: [...process.execArgv, ...process.argv.slice(1)],
    env: workerEnv(names),
    listenFds: sockets.map((s) => s.inherited?.fd ?? listeningFdOf(s.server)),
  };
}

/** The seconds of server.feature-flags "server.graceful-shutdown-timeout" (lighttpd's default 8), as ms for the stop escalation. */
function gracefulTimeoutMs(validation: ValidationResult): number {
  const flags = validation.contexts[0]?.values.get('server.feature-flags')?.value;
  const seconds = featureInt(flags, 'server.graceful-shutdown-timeout', 8);
  // 0 is "no limit" in lighttpd; the workers' own limit is then theirs alone, ours is a day
  return seconds > 0 ? (seconds + 2) * 1000 : 86_400_000;
}

/** Checks a configuration as far as the watcher can without serving it: modules and unbuilt features. */
function checkConfig(ctx: Pick<ServeContext, 'tree' | 'registry' | 'modules' | 'validation' | 'options'>, log: ErrorLog): readonly string[] {
  const unbuilt = unbuiltFeatures(ctx.validation);
  if (unbuilt !== null) throw serveErrors.notAvailable(unbuilt);
  const plugins = loadHttpPlugins(ctx.modules, ctx.options.moduleDir, log);
  return unknownKeyWarnings(ctx.tree, ctx.registry, plugins);
}

/**
 * The watcher stays root while its workers become server.username: a log file it (re)creates as
 * root must be theirs too, or a worker cannot reopen it on SIGHUP (nginx's master chowns the
 * files it reopens to its workers' user for the same reason).
 */
function giveErrorLogToWorkers(ctx: ServeContext): void {
  const file = globalString(ctx, 'server.errorlog');
  if (file === '' || file.startsWith('|') || globalEnabled(ctx, 'server.errorlog-use-syslog')) return;
  const ids = targetIds(globalString(ctx, 'server.username'), globalString(ctx, 'server.groupname'));
  if (ids === null) return;
  fs.chownSync(file, ids.uid ?? -1, ids.gid ?? -1);
}

function maxWorkerOf(validation: ValidationResult): number {
  const v = validation.contexts[0]?.values.get('server.max-worker')?.value;
  return typeof v === 'number' && v > 1 ? v : 0;
}

export async function watch(ctx: ServeContext, start: WatcherStart): Promise<number> {
  const { log, pidFile, daemon } = start;
  const signals = createSignalEvents(HTTPD_SIGNAL_INTENTS);
  let sockets: ServerSocket[] = [];
  let started: Supervisor<WorkerToWatcher, WatcherToWorker> | undefined;
  const activated = listenFds();
  const activation = activated.length > 0 && globalEnabled(ctx, 'server.systemd-socket-activation');
  const openSockets = async (validation: ValidationResult, tree: ServeContext['tree'], keep: readonly ServerSocket[]): Promise<ServerSocket[]> => {
    const wanted = listenSpecs(tree, validation, activation);
    const kept = keep.filter((s) => s.config === null || wanted.some((c) => c.address === s.config?.address));
    const opened = await openServerSockets({
      sockets: wanted.filter((c) => !kept.some((s) => s.config?.address === c.address)),
      // systemd's sockets are adopted once, at start-up; a restart keeps them
      inherited: keep.length === 0 ? activated : [],
      systemdSocketActivation: activation,
      serverOptions: { allowHalfOpen: true, noDelay: true },
      log,
    }).catch((e: unknown) => {
      throw listenError(e);
    });
    // the watcher never accepts: connections wait in the backlog for a worker
    for (const s of opened) s.pause();
    return [...kept, ...opened];
  };

  try {
    const warnings = checkConfig(ctx, log);
    if (ctx.options.configFile === '-') throw serveErrors.startup('server.max-worker needs a configuration file its workers can read (not -f -)');
    sockets = await openSockets(ctx.validation, ctx.tree, []);
    pidFile?.write();
    giveErrorLogToWorkers(ctx);
    for (const a of sockets) log.notice(`server listening on ${a.label}`);
    for (const w of warnings) log.warn(w);
    started = new Supervisor<WorkerToWatcher, WatcherToWorker>({
      spec: workerSpec(sockets),
      workers: start.workers,
      log,
      isCustom: isWorkerToWatcher,
      readyTimeoutMs: READY_TIMEOUT_MS,
      gracefulTimeoutMs: gracefulTimeoutMs(ctx.validation),
      termTimeoutMs: TERM_TIMEOUT_MS,
      heartbeatIntervalMs: 1000,
      heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      // lighttpd re-forks without pause; a worker that cannot start must not spin the machine
      crashStorm: { threshold: Math.max(10, 2 * start.workers), intervalMs: 10_000, backoffMs: 5_000 },
    });
    started.on('message', (msg, from) => onWorkerMessage(msg, from));
    await started.start();
  } catch (e) {
    const msg = (e as Error).message;
    log.error(msg);
    await started?.stop('immediate');
    await Promise.all(sockets.map((s) => s.close()));
    signals.dispose();
    daemon?.failed(msg);
    pidFile?.remove();
    await log.close();
    if (daemon === null) ctx.io.stderr(`httpd-ts: ${msg} (${codeOf(e)})\n`);
    return EXIT_FAILURE;
  }
  const supervisor = started;
  log.notice(`server started (httpd-ts/${VERSION}), ${start.workers} workers`);
  daemon?.started();
  systemdNotify.ready({ status: `serving on ${sockets.map((s) => s.label).join(', ')} with ${start.workers} workers`, mainPid: process.pid });
  // WatchdogSec=: pings only while this loop keeps up and every worker answers its heartbeat
  const heartbeat = supervisor.heartbeatProbe(HEARTBEAT_SILENCE_MS);
  const watchdog: Watchdog | undefined = startWatchdog({
    log,
    probes: [
      {
        name: 'worker-heartbeat',
        check: () => {
          const r = heartbeat();
          return r.ok ? { ok: true } : { ok: false, reason: r.reason ?? 'a worker is silent' };
        },
      },
    ],
  });

  // STATUS=: workers, connections and the request rate since the last line; without systemd
  // listening nobody reads it, and the workers are not asked
  let last: { at: number; requests: number } | null = null;
  const statusTimer = setInterval(() => {
    if (!systemdNotify.enabled) return;
    void gatherReports().then((reports) => {
      const requests = reports.reduce((n, r) => n + r.requests, 0);
      const now = performance.now();
      const rate = last === null || requests < last.requests ? null : ((requests - last.requests) * 1000) / (now - last.at);
      last = { at: now, requests };
      if (!finishing && !restarting) systemdNotify.status(statusLine(supervisor.workers.length, reports, rate));
    });
  }, STATUS_INTERVAL_MS).unref();

  async function gatherReports(): Promise<WorkerStatusReport[]> {
    if (started === undefined) return [];
    const entries = await started.queryStatus(1000);
    return entries.flatMap((e) => (e.status === undefined ? [] : [e.status as unknown as WorkerStatusReport]));
  }

  function onWorkerMessage(msg: WorkerToWatcher, from: WorkerRef): void {
    if (started === undefined) return;
    const group = started;
    if (msg.type === 'gather-status') {
      void gatherReports().then((reports) => group.sendTo(from.pid, { type: 'gathered-status', id: msg.id, reports }));
      return;
    }
    log.notice(`[note] worker ${from.pid} asks to be recycled: ${msg.reason}`);
    void group.recycle(from.pid).catch((e: Error) => log.error(`recycling worker ${from.pid} failed: ${e.message}`));
  }

  let finishing = false;
  let restarting = false;
  return new Promise<number>((resolve) => {
    let stoppedBy = 'server stopped';
    const finish = async (): Promise<void> => {
      clearInterval(statusTimer);
      watchdog?.stop();
      signals.dispose();
      await Promise.all(sockets.map((s) => s.close()));
      pidFile?.remove();
      log.notice(stoppedBy);
      await log.close();
      resolve(0);
    };
    const stop = (mode: 'graceful' | 'immediate'): void => {
      if (!finishing) {
        finishing = true;
        systemdNotify.stopping();
        // new connections are refused from now on, not left waiting for a worker that quits
        for (const s of sockets) void s.close();
        pidFile?.remove();
        if (mode === 'graceful') log.notice(`[note] graceful shutdown started (${supervisor.workers.length} workers)`);
        void supervisor.stop(mode).then(finish);
        return;
      }
      if (mode === 'immediate') void supervisor.stop('immediate');
    };
    signals.on('immediate-stop', () => {
      stoppedBy = 'server stopped by SIGTERM';
      stop('immediate');
    });
    signals.on('graceful-stop', (ev) => stop(ev.occurrence > 1 ? 'immediate' : 'graceful'));
    signals.on('reopen-logs', () => {
      try {
        log.reopen();
        giveErrorLogToWorkers(ctx);
      } catch (e) {
        log.error(`reopening the error log failed: ${(e as Error).message}`);
      }
      // each worker reopens its own logs and calls the modules' handleSighup
      supervisor.reopenLogs();
    });
    signals.on('graceful-restart', () => {
      if (finishing || restarting) return;
      restarting = true;
      void restart().finally(() => (restarting = false));
    });
    // a stop asked for while the workers were starting is carried out now
    if (signals.count('immediate-stop') > 0) stop('immediate');
    else if (signals.count('graceful-stop') > 0) stop('graceful');

    /**
     * SIGUSR1: the configuration again; if it is good, a new generation of workers starts on the
     * same sockets (plus any new address) and the old one retires gracefully once all are ready.
     */
    const restart = async (): Promise<void> => {
      systemdNotify.reloading('reading the configuration again');
      log.notice('[note] graceful restart: reading the configuration again');
      const before = sockets;
      let opened: ServerSocket[] = [];
      try {
        const next = ctx.reload();
        const warnings = checkConfig({ ...next, options: ctx.options }, log);
        const wanted = maxWorkerOf(next.validation);
        if (wanted !== start.workers) {
          log.warn(`server.max-worker changed from ${start.workers} to ${wanted}: the number of workers changes at the next start; keeping ${start.workers}`);
        }
        const fresh = await openSockets(next.validation, next.tree, before);
        opened = fresh.filter((s) => !before.includes(s));
        const replaced = await supervisor.replaceGeneration(workerSpec(fresh));
        sockets = fresh;
        for (const w of warnings) log.warn(w);
        const unwanted = before.filter((s) => !fresh.includes(s));
        void replaced.retired.then(() => Promise.all(unwanted.map((s) => s.close())));
        log.notice(`[note] graceful restart done, generation ${replaced.generation} serving on ${sockets.map((s) => s.label).join(', ')}`);
        systemdNotify.ready({ status: `serving on ${sockets.map((s) => s.label).join(', ')} with ${start.workers} workers (generation ${replaced.generation})` });
      } catch (e) {
        await Promise.all(opened.map((s) => s.close()));
        const why = `graceful restart failed, still serving the previous configuration: ${(e as Error).message}`;
        log.error(why);
        systemdNotify.ready({ status: why });
      }
    };
  });
}
