// fpm-ts's master start-up, in php-fpm's fpm_init()/fpm_run() order: error log, pid file,
// daemonize, sockets (configured or socket-activated), first children, then the event loop
// until a stop signal. Resolves with the exit code.
import { createErrorLog, parseLogLevel, type ErrorLog } from '@libs/log';
import { daemonize, openPidFile, type DaemonHandle, type PidFile } from '@libs/process';
import { listenFds } from '@libs/systemd';
import type { StartMaster } from '../main';
import type { FpmConfig } from '../config';
import type { FpmArgs } from '../cli/args';
import { FpmError } from '../errors';
import { applyMasterLimits } from './master-limits';
import { masterErrors } from './errors';
import { Master } from './master';
import { selfWorkerCommand } from './worker-spawn';

export { Master, type MasterOptions, type MasterState } from './master';

/** EX_SOFTWARE, php-fpm's FPM_EXIT_SOFTWARE: start-up failed after the configuration was fine. */
const EXIT_SOFTWARE = 70;
const STDERR_NAMES = new Set(['/dev/stderr', '/proc/self/fd/2', 'stderr']);

/**
 * Where the master logs (fpm_stdio.c, fpm_use_error_log()): error_log is used when running as a
 * daemon, or in the foreground when stderr is not a terminal and -O was not given; otherwise
 * stderr. error_log = syslog is openlog(syslog.ident, LOG_PID | LOG_CONS, syslog.facility): lines go
 * to /dev/log, or to stderr with a warning when nothing listens there.
 */
function openMasterLog(config: FpmConfig, args: FpmArgs, daemon: boolean): ErrorLog {
  const g = config.global;
  const level = parseLogLevel(g.log_level);
  const useErrorLog = daemon || (!process.stderr.isTTY && !args.forceStderr);
  if (!useErrorLog || STDERR_NAMES.has(g.error_log)) return createErrorLog({ target: 'stderr', style: 'fpm', level });
  if (g.error_log === 'syslog') {
    return createErrorLog({ target: { syslog: { ident: g['syslog.ident'], facility: g['syslog.facility'] } }, style: 'fpm', level });
  }
  try {
    return createErrorLog({ target: { file: g.error_log }, style: 'fpm', level });
  } catch (err) {
    throw masterErrors.errorLog(g.error_log, (err as Error).message);
  }
}

export const startMaster: StartMaster = async (config, args, stderrLog) => {
  const daemon = !(args.foreground ?? !config.global.daemonize);
  const pidPath = args.pidFile ?? config.global.pid;
  let pidFile: PidFile | undefined;
  let log: ErrorLog | undefined;
  try {
    log = openMasterLog(config, args, daemon);
    applyMasterLimits(config.global);
    if (pidPath !== null) {
      try {
        pidFile = openPidFile(pidPath);
      } catch (err) {
        throw masterErrors.pidFile((err as Error).message);
      }
    }
  } catch (err) {
    if (!(err instanceof FpmError)) throw err;
    stderrLog.error(err.message);
    stderrLog.error('FPM initialization failed');
    // A syslog socket would keep the process from exiting.
    await log?.close();
    return EXIT_SOFTWARE;
  }

  const workerCommand = selfWorkerCommand();
  let handle: DaemonHandle | undefined;
  if (daemon) handle = await daemonize(pidFile ? { pidFile } : {});

  const activated = listenFds();
  const requireUser = process.getuid?.() === 0 && !args.allowRoot;
  const master = new Master(config, {
    log,
    workerCommand,
    activated,
    prefix: args.prefix ?? undefined,
    requireUser,
    env: process.env,
  });
  pidFile?.write();
  log.notice(`fpm is running, pid ${process.pid}`);
  try {
    await master.start();
  } catch (err) {
    if (!(err instanceof FpmError)) throw err;
    log.error(err.message);
    log.error('FPM initialization failed');
    handle?.failed(err.message);
    pidFile?.remove();
    await log.close();
    return EXIT_SOFTWARE;
  }
  handle?.started();
  const code = await master.finished;
  pidFile?.remove();
  await log.close();
  return code;
};
