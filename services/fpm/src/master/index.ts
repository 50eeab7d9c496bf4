// fpm-ts's master start-up, in php-fpm's fpm_init()/fpm_run() order: error log, pid file opened,
// daemonize, sockets (configured or socket-activated), pid written and "fpm is running", first
// children, then the event loop until a stop signal. Resolves with the exit code.
import { createErrorLog, parseLogLevel, type ErrorLog } from '@libs/log';
import { daemonize, openPidFile, type DaemonHandle, type PidFile } from '@libs/process';
import { listenFds } from '@libs/systemd';
import type { StartMaster } from '../main';
import { STDERR_LOG_NAMES, type FpmConfig } from '../config';
import type { FpmArgs } from '../cli/args';
import { errorLogUnopenable, FpmError, pidFileUnwritable, sysErrorText } from '../errors';
import { applyMasterLimits } from './master-limits';
import { Master } from './master';
import { selfWorkerCommand } from './worker-spawn';

export { Master, type MasterOptions, type MasterState } from './master';

/**
 * php-fpm exits FPM_EXIT_CONFIG (78, EX_CONFIG) whenever fpm_init() fails: a socket that cannot
 * be bound or a pid file that cannot be written as much as a bad configuration.
 */
const EXIT_INIT_FAILED = 78;

/**
 * Where the master logs (fpm_stdio.c, fpm_use_error_log()): error_log is used when running as a
 * daemon, or in the foreground when stderr is not a terminal and -O was not given; otherwise
 * stderr.
 */
function logsToStderr(config: FpmConfig, args: FpmArgs, daemon: boolean): boolean {
  const useErrorLog = daemon || (!process.stderr.isTTY && !args.forceStderr);
  return !useErrorLog || STDERR_LOG_NAMES.has(config.global.error_log);
}

/**
 * error_log = syslog is openlog(syslog.ident, LOG_PID | LOG_CONS, syslog.facility): lines go to
 * /dev/log, or to stderr with a warning when nothing listens there.
 */
function openMasterLog(config: FpmConfig, args: FpmArgs, daemon: boolean): ErrorLog {
  const g = config.global;
  const level = parseLogLevel(g.log_level);
  if (logsToStderr(config, args, daemon)) return createErrorLog({ target: 'stderr', style: 'fpm', level });
  if (g.error_log === 'syslog') {
    return createErrorLog({ target: { syslog: { ident: g['syslog.ident'], facility: g['syslog.facility'] } }, style: 'fpm', level });
  }
  try {
    return createErrorLog({ target: { file: g.error_log }, style: 'fpm', level });
  } catch (err) {
    throw errorLogUnopenable(g.error_log, sysErrorText((err as Error).cause ?? err));
  }
}

export const startMaster: StartMaster = async (config, args, stderrLog) => {
  const daemon = !(args.foreground ?? !config.global.daemonize);
  const pidPath = args.pidFile ?? config.global.pid;
  let pidFile: PidFile | undefined;
  let log: ErrorLog | undefined;
  // Until "fpm is running", php-fpm's zlog copies what error_log gets to stderr as well (zlog.c,
  // !launched), so whoever started it sees why start-up failed.
  let launched = false;
  const initFailed = (message: string): void => {
    log?.error(message);
    if (log === undefined || (!launched && !logsToStderr(config, args, daemon))) stderrLog.error(message);
  };
  try {
    log = openMasterLog(config, args, daemon);
    applyMasterLimits(config.global);
    if (pidPath !== null) {
      try {
        pidFile = openPidFile(pidPath);
      } catch (err) {
        throw pidFileUnwritable(pidPath, sysErrorText((err as Error).cause ?? err));
      }
    }
  } catch (err) {
    if (!(err instanceof FpmError)) throw err;
    initFailed(err.message);
    initFailed('FPM initialization failed');
    // A syslog socket would keep the process from exiting.
    await log?.close();
    return EXIT_INIT_FAILED;
  }

  const workerCommand = selfWorkerCommand();
  let handle: DaemonHandle | undefined;
  // php-fpm's foreground exits FPM_EXIT_SOFTWARE when its daemon reports a failed start.
  if (daemon) handle = await daemonize({ failureExitCode: 70, ...(pidFile ? { pidFile } : {}) });

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
  try {
    // fpm_init()'s order: sockets, then the pid file and "fpm is running", then fpm_run().
    await master.bindSockets();
    pidFile?.write();
    launched = true;
    log.notice(`fpm is running, pid ${process.pid}`);
    await master.start();
  } catch (err) {
    if (!(err instanceof FpmError)) throw err;
    initFailed(err.message);
    initFailed('FPM initialization failed');
    handle?.failed(err.message);
    pidFile?.remove();
    await log.close();
    return EXIT_INIT_FAILED;
  }
  handle?.started();
  const code = await master.finished;
  pidFile?.remove();
  await log.close();
  return code;
};
