// The serve hook of the command line: lighttpd 1.4.69 server.c from opening the error log and pid
// file to the main loop and shutdown; signals as intents (SIGTERM immediate, SIGINT graceful,
// SIGHUP reopen logs), sd_notify READY=1 once listening and STOPPING=1 on the way out.
import { createErrorLog, type ErrorLog } from '@libs/log';
import { createSignalEvents, daemonize, HTTPD_SIGNAL_INTENTS, openPidFile, type DaemonHandle, type PidFile } from '@libs/process';
import { systemdNotify } from '@libs/systemd';
import type { ServeContext, ServeFunction } from '../cli';
import { EXIT_FAILURE } from '../cli/run';
import { VERSION } from '../cli/texts';
import { HttpServer } from './http-server';
import { listenSpecs } from './listen-specs';

const SERVER_NAME = `httpd-ts/${VERSION}`;

function globalString(ctx: ServeContext, key: string): string {
  const v = ctx.tree.global.directives.get(key)?.value;
  return v?.type === 'string' ? v.value : '';
}

/** Starts serving and resolves with the exit code once stopped. */
export const serve: ServeFunction = async (ctx) => {
  const errorlog = globalString(ctx, 'server.errorlog');
  const pidPath = globalString(ctx, 'server.pid-file');
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
  const server = new HttpServer({ tree: ctx.tree, validation: ctx.validation, modules: ctx.modules, log });
  try {
    await server.listen(listenSpecs(ctx.tree));
  } catch (e) {
    const msg = (e as Error).message;
    log.error(msg);
    signals.dispose();
    daemon?.failed(msg);
    pidFile?.remove();
    await log.close();
    if (daemon === null) ctx.io.stderr(`httpd-ts: ${msg} (${(e as { code?: string }).code ?? 'HTTPD_ERR_LISTEN'})\n`);
    return EXIT_FAILURE;
  }
  pidFile?.write();
  for (const a of server.addresses()) log.notice(`server listening on ${a}`);
  log.notice(`server started (${SERVER_NAME})`);
  daemon?.started();
  systemdNotify.ready({ status: `serving on ${server.addresses().join(', ')}` });

  return new Promise<number>((resolve) => {
    let finishing = false;
    const finish = async (): Promise<void> => {
      signals.dispose();
      pidFile?.remove();
      log.notice('server stopped');
      await log.close();
      resolve(0);
    };
    signals.on('graceful-stop', (ev) => {
      if (finishing) {
        // asked twice: do not wait any longer
        if (ev.occurrence > 1) server.immediateStop();
        return;
      }
      finishing = true;
      systemdNotify.stopping();
      log.notice(`[note] graceful shutdown started (${server.connectionCount} connections)`);
      void server.gracefulStop().then(finish);
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
      } catch (e) {
        log.error(`reopening the error log failed: ${(e as Error).message}`);
      }
    });
    signals.on('graceful-restart', () => {
      log.notice('graceful restart (SIGUSR1) is not supported by this build; still serving');
    });
  });
};
