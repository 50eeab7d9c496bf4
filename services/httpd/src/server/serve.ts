// The serve hook of the command line: lighttpd 1.4.69 server.c from opening the error log and pid
// file to the main loop and shutdown; signals as intents (SIGTERM immediate, SIGINT graceful,
// SIGHUP reopen logs), sd_notify READY=1 once listening and STOPPING=1 on the way out; systemd
// socket activation, -1 (one connection from standard input) and -i (stop when idle).
import fs from 'node:fs';
import net from 'node:net';
import { FdeventError } from '@libs/fdevent';
import { createErrorLog, type ErrorLog } from '@libs/log';
import { createSignalEvents, daemonize, HTTPD_SIGNAL_INTENTS, openPidFile, type DaemonHandle, type PidFile } from '@libs/process';
import { listenFds, startWatchdog, systemdNotify, type Watchdog } from '@libs/systemd';
import type { ServeContext, ServeFunction } from '../cli';
import { EXIT_FAILURE } from '../cli/run';
import { VERSION } from '../cli/texts';
import { ServeError, serveErrors } from './errors';
import { HttpServer } from './http-server';
import { listenSpecs } from './listen-specs';
import { dropPrivileges } from './privileges';
import { loadHttpPlugins } from './plugins';

const SERVER_NAME = `httpd-ts/${VERSION}`;

function globalString(ctx: ServeContext, key: string): string {
  const v = ctx.tree.global.directives.get(key)?.value;
  return v?.type === 'string' ? v.value : '';
}

function globalEnabled(ctx: ServeContext, key: string): boolean {
  return ctx.validation.contexts[0]?.values.get(key)?.value === true;
}

const codeOf = (e: unknown): string => {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'HTTPD_ERR_STARTUP';
};

/** A socket that cannot be bound or listened on is lighttpd's "can't bind to socket: <address> ...". */
function listenError(e: unknown): unknown {
  if (!(e instanceof FdeventError) || (e.code !== 'FDEVENT_ERR_LISTEN' && e.code !== 'FDEVENT_ERR_BIND')) return e;
  return new ServeError('HTTPD_ERR_LISTEN', `can't bind to socket: ${e.message.replace(/^(listen failed|can't bind to socket): /, '')}`);
}

/** lighttpd -1: standard input must be a connected socket. */
function stdinSocket(): net.Socket {
  if (!fs.fstatSync(0).isSocket()) throw serveErrors.startup('httpd-ts -1 stdin is not a socket');
  return new net.Socket({ fd: 0, readable: true, writable: true, allowHalfOpen: true });
}

/** Starts serving and resolves with the exit code once stopped. */
export const serve: ServeFunction = async (ctx) => {
  const oneShot = ctx.options.oneShot;
  const errorlog = globalString(ctx, 'server.errorlog');
  // -1 writes no pid file, as upstream
  const pidPath = oneShot ? '' : globalString(ctx, 'server.pid-file');
  let pidFile: PidFile | null = null;
  let log: ErrorLog;
  try {
    // opened before daemonizing, so their errors reach the terminal (as upstream)
    log = createErrorLog({ target: errorlog === '' ? 'stderr' : { file: errorlog }, style: 'lighttpd' });
    if (pidPath !== '') pidFile = openPidFile(pidPath);
  } catch (e) {
    ctx.io.stderr(`httpd-ts: ${(e as Error).message}${(e as { code?: string }).code ? ` (${(e as { code: string }).code})` : ''}\n`);
    return EXIT_FAILURE;
  }
  let daemon: DaemonHandle | null = null;
  if (!ctx.options.foreground) daemon = await daemonize(pidFile === null ? {} : { pidFile });

  // installed before listening: a stop signal during start-up must not kill us half-way
  const signals = createSignalEvents(HTTPD_SIGNAL_INTENTS);
  let server: HttpServer;
  let oneConnection: net.Socket | null = null;
  try {
    const plugins = loadHttpPlugins(ctx.modules, ctx.options.moduleDir, log);
    server = new HttpServer({ tree: ctx.tree, validation: ctx.validation, plugins, log, idleLimit: ctx.options.idleTimeout ?? 0 });
    if (oneShot) oneConnection = stdinSocket();
    const inherited = listenFds();
    const activated = inherited.length > 0 && globalEnabled(ctx, 'server.systemd-socket-activation');
    await server.listen({ sockets: listenSpecs(ctx.tree, ctx.validation, activated), inherited, acceptNothing: oneShot }).catch((e: unknown) => {
      throw listenError(e);
    });
    pidFile?.write();
    const dropped = dropPrivileges(globalString(ctx, 'server.username'), globalString(ctx, 'server.groupname'));
    if (dropped !== null) log.info(dropped);
  } catch (e) {
    const msg = (e as Error).message;
    log.error(msg);
    signals.dispose();
    daemon?.failed(msg);
    pidFile?.remove();
    await log.close();
    if (daemon === null) ctx.io.stderr(`httpd-ts: ${msg} (${codeOf(e)})\n`);
    return EXIT_FAILURE;
  }
  if (!oneShot) {
    for (const a of server.addresses()) log.notice(`server listening on ${a}`);
    log.notice(`server started (${SERVER_NAME})`);
  }
  daemon?.started();
  systemdNotify.ready({ status: `serving on ${server.addresses().join(', ')}` });
  // WatchdogSec=: pings only while the event loop keeps up (the default event-loop-lag probe).
  const watchdog: Watchdog | undefined = startWatchdog({ log });

  return new Promise<number>((resolve) => {
    let finishing = false;
    let stoppedBy = 'server stopped';
    const finish = async (): Promise<void> => {
      watchdog?.stop();
      signals.dispose();
      pidFile?.remove();
      if (!oneShot) log.notice(stoppedBy);
      await log.close();
      resolve(0);
    };
    const graceful = (): void => {
      finishing = true;
      systemdNotify.stopping();
      log.notice(`[note] graceful shutdown started (${server.connectionCount} connections)`);
      void server.gracefulStop().then(finish);
    };
    if (oneConnection !== null) {
      finishing = true;
      void server.serveOne(oneConnection).then(finish);
    }
    server.onIdleStop(() => {
      if (finishing) return;
      stoppedBy = 'server stopped after idle timeout';
      graceful();
    });
    signals.on('graceful-stop', (ev) => {
      if (finishing) {
        // asked twice: do not wait any longer
        if (ev.occurrence > 1) server.immediateStop();
        return;
      }
      graceful();
    });
    signals.on('immediate-stop', () => {
      systemdNotify.stopping();
      server.immediateStop();
      if (!finishing) {
        finishing = true;
        void finish();
      }
    });
    signals.on('reopen-logs', () => {
      try {
        log.reopen();
        server.dispatcher.sighup(server);
      } catch (e) {
        log.error(`reopening the error log failed: ${(e as Error).message}`);
      }
    });
    signals.on('graceful-restart', () => {
      log.notice('graceful restart (SIGUSR1) is not supported by this build; still serving');
    });
  });
};
