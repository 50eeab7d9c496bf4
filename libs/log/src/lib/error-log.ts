// The error log of both services (lighttpd log.c errorlog, php-fpm zlog.c error_log): text lines in
// the upstream format, to a file or stderr, journald-aware, reopened on rotation.
//
// Why pino *and* sonic-boom directly: pino gives us the level machinery (custom "notice" level,
// disabled levels swapped for no-ops, setLevel at run time), but it serialises JSON. Plain upstream
// lines are produced in pino's `hooks.logMethod`, which formats the text line and writes it to the
// sonic-boom destination itself, never calling pino's JSON writer. sonic-boom runs in sync mode
// (one write(2) per line, like zlog and lighttpd's log_write), so no line is lost on a crash and
// reopen() takes effect at once.
import { SonicBoom } from 'sonic-boom';
import type { Logger } from 'pino';
import type { ServiceLog } from './service-log';
import { logErrClosed, logErrOpen } from './errors';
import { levelOfValue, PINO_LEVEL_VALUES, type LogLevel } from './levels';
import { createLineFormatter, type LineFormatter, type LogStyle } from './line-format';
import { stderrIsJournal } from './journal';
import { flushAtExit } from './exit-flush';
import { checkWritable, LOG_FILE_MODE } from './open-check';

export type ErrorLogTarget = 'stderr' | { file: string };

/**
 * pino is loaded when the first error log is made, not when this module is: it costs a process
 * about 2.5 MiB of heap, and fpm-ts's workers, which send their lines to the master, make none.
 */
function loadPino(): typeof import('pino').pino {
  return (require('pino') as typeof import('pino')).pino;
}

export interface ErrorLogOptions {
  target: ErrorLogTarget;
  style: LogStyle;
  level?: LogLevel;
  // Default: detected from JOURNAL_STREAM for the stderr target, never for files.
  journal?: boolean;
  // Environment consulted for JOURNAL_STREAM (default process.env).
  env?: NodeJS.ProcessEnv;
}

// Each method takes the message and, for the lighttpd style, an optional source ("server.c.1234").
export interface ErrorLog extends ServiceLog {
  error(msg: string, source?: string): void;
  warn(msg: string, source?: string): void;
  notice(msg: string, source?: string): void;
  info(msg: string, source?: string): void;
  debug(msg: string, source?: string): void;
  readonly level: LogLevel;
  readonly journal: boolean;
  readonly target: ErrorLogTarget;
  setLevel(level: LogLevel): void;
  isLevelEnabled(level: LogLevel): boolean;
  // Reopen the file (log rotation); a no-op for stderr. Throws LOG_ERR_OPEN and keeps the old file.
  reopen(): void;
  flush(): void;
  close(): Promise<void>;
}

// pino's typings only allow format arguments after a string message; ours is the source.
type Method = (msg: string, source?: string) => void;

export function createErrorLog(options: ErrorLogOptions): ErrorLog {
  const { target, style } = options;
  const file = target === 'stderr' ? undefined : target.file;
  const journal = file === undefined && (options.journal ?? stderrIsJournal(options.env ?? process.env));

  let dest: SonicBoom;
  try {
    dest = new SonicBoom({ dest: file ?? 2, sync: true, minLength: 0, mode: LOG_FILE_MODE });
  } catch (err) {
    throw logErrOpen(file ?? 'stderr', err);
  }
  // A failed write(2) of a log line is dropped, as zlog does; it must not crash the service.
  dest.on('error', () => undefined);

  let formatter: LineFormatter = makeFormatter(options.level ?? 'notice');
  function makeFormatter(level: LogLevel): LineFormatter {
    return createLineFormatter({ style, journal, microseconds: level === 'debug' });
  }

  const logger: Logger<'notice'> = loadPino()<'notice'>(
    {
      level: options.level ?? 'notice',
      customLevels: { notice: PINO_LEVEL_VALUES.notice },
      base: null,
      timestamp: false,
      hooks: {
        logMethod(args: unknown[], _method, levelValue: number) {
          const source = typeof args[1] === 'string' ? args[1] : undefined;
          dest.write(formatter(levelOfValue(levelValue), String(args[0]), source));
        },
      },
    },
    dest,
  );

  let closed = false;
  const unregister = flushAtExit({ flush: () => dest.flushSync() });

  const log: ErrorLog = {
    error: (msg, source) => (logger.error as Method).call(logger, msg, source),
    warn: (msg, source) => (logger.warn as Method).call(logger, msg, source),
    notice: (msg, source) => (logger.notice as Method).call(logger, msg, source),
    info: (msg, source) => (logger.info as Method).call(logger, msg, source),
    debug: (msg, source) => (logger.debug as Method).call(logger, msg, source),
    get level() {
      return logger.level as LogLevel;
    },
    journal,
    target,
    setLevel(level) {
      logger.level = level;
      formatter = makeFormatter(level);
    },
    isLevelEnabled(level) {
      return logger.isLevelEnabled(level);
    },
    reopen() {
      if (closed) throw logErrClosed('error log');
      if (file === undefined) return;
      checkWritable(file);
      dest.reopen();
    },
    flush() {
      if (!closed) dest.flushSync();
    },
    async close() {
      if (closed) return;
      closed = true;
      unregister();
      // Lines logged after close are dropped rather than thrown at the caller.
      logger.level = 'silent';
      dest.flushSync();
      // Never close fd 2: other code (and the process itself at exit) still writes there.
      if (file === undefined) return;
      await new Promise<void>((resolve) => {
        dest.once('close', () => resolve());
        dest.end();
      });
    },
  };
  return log;
}
