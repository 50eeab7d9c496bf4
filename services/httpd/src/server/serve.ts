// The serve hook of the command line: lighttpd 1.4.69 server.c from opening the error log and pid
// file to the main loop and shutdown; signals as intents (SIGTERM immediate, SIGINT graceful,
// SIGHUP reopen logs, SIGUSR1 graceful restart), sd_notify READY=1 once listening, RELOADING=1
// around a restart and STOPPING=1 on the way out; the watchdog; privileges dropped; systemd
// socket activation, -1 (one connection from standard input) and -i (stop when idle).
// With server.max-worker >= 2 this process becomes the watcher (watcher.ts) and each of its
// workers runs the serving part below, told so by its environment (worker-role.ts).
import fs from 'node:fs';
import net from 'node:net';
import { HandlerResult } from '@libs/fdevent';
import type { ErrorLog } from '@libs/log';
import { createSignalEvents, daemonize, HTTPD_SIGNAL_INTENTS, openPidFile, type DaemonHandle, type PidFile } from '@libs/process';
import { listenFds, startWatchdog, systemdNotify, type Watchdog } from '@libs/systemd';
import { VERSION } from '../core/version';
import { EXIT_FAILURE, serveErrors } from './errors';
import { HttpServer } from './http-server';
import { listenSpecs } from './listen-specs';
import { dropPrivileges } from './privileges';
import { loadHttpPlugins, unknownKeyWarnings } from './plugins';
import type { ServeContext, ServeFunction } from './serve-context';
import { codeOf, globalEnabled, globalString, listenError, openErrorLog } from './startup';
import { unbuiltFeatures } from './unbuilt-features';
import { watch } from './watcher';
import { WatcherLink } from './watcher-link';
import { recyclingDue, recyclingLimits } from './worker-recycling';
import { isWorker, workerListenSpecs, workerSockets } from './worker-role';

const SERVER_NAME = `httpd-ts/${VERSION}`;

/** lighttpd -1: standard input must be a connected socket. */
function stdinSocket(): net.Socket {
  if (!fs.fstatSync(0).isSocket()) throw serveErrors.startup('httpd-ts -1 stdin is not a socket');
  return new net.Socket({ fd: 0, readable: true, writable: true, allowHalfOpen: true });
}

/** server.max-worker as lighttpd reads it: 1 means 0 (one process); -1 and -i switch the watcher off. */
function maxWorker(ctx: ServeContext, log: ErrorLog): number {
  const v = ctx.validation.contexts[0]?.values.get('server.max-worker')?.value;
  const n = typeof v === 'number' && v > 1 ? v : 0;
  if (n === 0 || isWorker()) return 0;
  if (ctx.options.oneShot) {
    log.error('server one-shot command line option disables server.max-worker config file option.');
    return 0;
  }
  if ((ctx.options.idleTimeout ?? 0) > 0) {
    log.error('server idle time limit command line option disables server.max-worker config file option.');
    return 0;
  }
  return n;
}

/** Starts serving and resolves with the exit code once stopped. */
export const serve: ServeFunction = async (ctx) => {
  const oneShot = ctx.options.oneShot;
  const worker = isWorker();
  // -1 writes no pid file, as upstream; workers leave it to their watcher
  const pidPath = oneShot || worker ? '' : globalString(ctx, 'server.pid-file');
  let pidFile: PidFile | null = null;
  let log: ErrorLog | undefined;
  try {
    // opened before daemonizing, so their errors reach the terminal (as upstream)
    log = openErrorLog(ctx);
    if (pidPath !== '') pidFile = openPidFile(pidPath);
  } catch (e) {
    ctx.io.stderr(`httpd-ts: ${(e as Error).message}${(e as { code?: string }).code ? ` (${(e as { code: string }).code})` : ''}\n`);
    // A syslog socket would keep the process from exiting.
    await log?.close();
    return EXIT_FAILURE;
  }
  let daemon: DaemonHandle | null = null;
  if (!ctx.options.foreground && !worker) daemon = await daemonize(pidFile === null ? {} : { pidFile });
  const workers = maxWorker(ctx, log);
  if (workers > 0) return watch(ctx, { log, pidFile, daemon, workers });
  // a worker's link to its watcher; null in a single process
  const watcher = worker ? new WatcherLink(log) : null;

  // installed before listening: a stop signal during start-up must not kill us half-way
  const signals = createSignalEvents(HTTPD_SIGNAL_INTENTS);
  let server: HttpServer;
  // The server while it starts: a start-up failure after its sockets opened must close them.
  let starting: HttpServer | undefined;
  let oneConnection: net.Socket | null = null;
  // systemd passed sockets that stand for the global server.port (kept across graceful restarts)
  let activated = false;
  let configWarnings: readonly string[] = [];
  try {
    const unbuilt = unbuiltFeatures(ctx.validation);
    if (unbuilt !== null) throw serveErrors.notAvailable(unbuilt);
    const plugins = loadHttpPlugins(ctx.modules, ctx.options.moduleDir, log);
    configWarnings = unknownKeyWarnings(ctx.tree, ctx.registry, plugins);
    server = new HttpServer({ tree: ctx.tree, validation: ctx.validation, plugins, log, idleLimit: ctx.options.idleTimeout ?? 0 });
    starting = server;
    // one process serves here: the worker's init runs once, before it accepts (server.c)
    if (server.dispatcher.workerInit(server) !== HandlerResult.GoOn) throw serveErrors.startup('Initialization of plugins failed. Going down.');
    if (oneShot) oneConnection = stdinSocket();
    // a worker takes exactly the sockets its watcher opened (configured or from systemd)
    const inherited = worker ? workerSockets() : listenFds();
    activated = inherited.length > 0 && (worker || globalEnabled(ctx, 'server.systemd-socket-activation'));
    const sockets = worker ? workerListenSpecs(listenSpecs(ctx.tree, ctx.validation), inherited) : listenSpecs(ctx.tree, ctx.validation, activated);
    await server.listen({ sockets, inherited, acceptNothing: oneShot, adoptInherited: worker }).catch((e: unknown) => {
      throw listenError(e);
    });
    pidFile?.write();
    const dropped = dropPrivileges(globalString(ctx, 'server.username'), globalString(ctx, 'server.groupname'));
    if (dropped !== null) log.info(dropped);
  } catch (e) {
    const msg = (e as Error).message;
    log.error(msg);
    // Sockets may be open already (a failed privilege drop): they must not keep us alive.
    starting?.immediateStop();
    signals.dispose();
    daemon?.failed(msg);
    pidFile?.remove();
    await log.close();
    if (daemon === null) ctx.io.stderr(`httpd-ts: ${msg} (${codeOf(e)})\n`);
    return EXIT_FAILURE;
  }
  // the watcher said all this already for its workers
  if (!oneShot && watcher === null) {
    for (const a of server.addresses()) log.notice(`server listening on ${a}`);
    log.notice(`server started (${SERVER_NAME})`);
    for (const w of configWarnings) log.warn(w);
  }
  daemon?.started();
  let watchdog: Watchdog | undefined;
  if (watcher !== null) {
    const self = server;
    self.generation = Number(process.env['SUPERVISOR_GENERATION'] ?? 0);
    self.statusGatherer = () => watcher.gather(() => self.statusReport());
    watcher.onStatus(() => server.statusReport());
    watcher.ready();
  } else {
    systemdNotify.ready({ status: `serving on ${server.addresses().join(', ')}` });
    // WatchdogSec=: pings only while the event loop keeps up (the default event-loop-lag probe).
    watchdog = startWatchdog({ log });
  }

  return new Promise<number>((resolve) => {
    // Servers of earlier configurations still finishing requests after a graceful restart.
    const retiring = new Map<HttpServer, Promise<void>>();
    let finishing = false;
    let stoppedBy = 'server stopped';
    const finish = async (): Promise<void> => {
      watchdog?.stop();
      watcher?.close();
      signals.dispose();
      pidFile?.remove();
      if (!oneShot) log.notice(stoppedBy);
      await log.close();
      resolve(0);
    };
    /** `idle`: see HttpServer.gracefulStop; a worker retired by its watcher answers idle clients once more. */
    const graceful = (idle: 'close' | 'answer' = 'close'): void => {
      finishing = true;
      if (watcher === null) systemdNotify.stopping();
      log.notice(`[note] graceful shutdown started (${server.connectionCount} connections)`);
      void Promise.all([server.gracefulStop(idle), ...retiring.values()]).then(finish);
    };
    if (oneConnection !== null) {
      finishing = true;
      void server.serveOne(oneConnection).then(finish);
    }
    const idleStop = (): void => {
      if (finishing) return;
      stoppedBy = 'server stopped after idle timeout';
      graceful();
    };
    server.onIdleStop(idleStop);
    signals.on('graceful-stop', (ev) => {
      if (finishing) {
        // asked twice: do not wait any longer
        if (ev.occurrence > 1) for (const s of [server, ...retiring.keys()]) s.immediateStop();
        return;
      }
      graceful();
    });
    const immediate = (): void => {
      if (watcher === null) systemdNotify.stopping();
      for (const s of [server, ...retiring.keys()]) s.immediateStop();
      if (!finishing) {
        finishing = true;
        void finish();
      }
    };
    signals.on('immediate-stop', immediate);
    const reopenLogs = (): void => {
      try {
        log.reopen();
        server.dispatcher.sighup(server);
      } catch (e) {
        log.error(`reopening the error log failed: ${(e as Error).message}`);
      }
    };
    signals.on('reopen-logs', reopenLogs);
    if (watcher !== null) {
      watcher.onQuit(() => {
        if (!finishing) graceful('answer');
      });
      watcher.onTerminate(immediate);
      watcher.onReopenLogs(reopenLogs);
      const limits = recyclingLimits((k) => server.globalValue(k));
      if (limits !== null) {
        server.fdevent.trigger.subscribe(() => {
          const why = finishing ? null : recyclingDue(limits, server.requestsStarted, process.memoryUsage.rss());
          if (why !== null) watcher.recycle(why);
        });
      }
    }
    let restarting = false;
    signals.on('graceful-restart', () => {
      // lighttpd's workers ignore SIGUSR1: only the watcher directs a graceful restart
      if (watcher !== null) return;
      if (finishing || restarting) return;
      restarting = true;
      void restart().finally(() => (restarting = false));
    });

    /**
     * SIGUSR1, lighttpd's graceful restart: read the configuration again; if it is good, the new
     * configuration takes over the listening sockets (binding only new addresses) and the old
     * one finishes its requests; if not, the old one keeps serving and the log says why.
     */
    const restart = async (): Promise<void> => {
      systemdNotify.reloading('reading the configuration again');
      log.notice('[note] graceful restart: reading the configuration again');
      const previous = server;
      try {
        const next = ctx.reload();
        const unbuilt = unbuiltFeatures(next.validation);
        if (unbuilt !== null) throw serveErrors.notAvailable(unbuilt);
        const plugins = loadHttpPlugins(next.modules, ctx.options.moduleDir, log);
        const warnings = unknownKeyWarnings(next.tree, next.registry, plugins);
        const fresh = new HttpServer({ tree: next.tree, validation: next.validation, plugins, log, idleLimit: ctx.options.idleTimeout ?? 0 });
        // the new modules' init, as at start (status sections, bin-path backends taking over the sockets)
        if (fresh.dispatcher.workerInit(fresh) !== HandlerResult.GoOn) {
          fresh.dispatcher.cleanup(fresh);
          throw serveErrors.startup('Initialization of plugins failed.');
        }
        let drained: Promise<void> = Promise.resolve();
        const stale = await fresh.listen({
          sockets: listenSpecs(next.tree, next.validation, activated),
          reuse: {
            sockets: previous.serverSockets,
            release: () => {
              drained = previous.handOver().drained;
            },
          },
        });
        server = fresh;
        server.onIdleStop(idleStop);
        retiring.set(previous, drained);
        void drained.then(async () => {
          retiring.delete(previous);
          await Promise.all(stale.map((s) => s.close()));
        });
        for (const w of warnings) log.warn(w);
        log.notice(`[note] graceful restart done, serving on ${server.addresses().join(', ')}`);
      } catch (e) {
        log.error(`graceful restart failed, still serving the previous configuration: ${(e as Error).message}`);
      }
      systemdNotify.ready({ status: `serving on ${server.addresses().join(', ')}` });
    };
  });
};
