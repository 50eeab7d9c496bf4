// The error log of both services (lighttpd log.c errorlog, php-fpm zlog.c error_log): text lines in
// the upstream format, to a file, stderr or syslog, journald-aware, reopened on rotation.
//
// Why pino *and* sonic-boom directly: pino gives us the level machinery (custom "notice" level,
// disabled levels swapped for no-ops, setLevel at run time), but it serialises JSON. Plain upstream
// lines are produced in pino's `hooks.logMethod`, which formats the text line and writes it to the
// sink itself, never calling pino's JSON writer. sonic-boom runs in sync mode (one write(2) per
// line, like zlog and lighttpd's log_write), so no line is lost on a crash and reopen() takes
// effect at once; syslog lines are one datagram each, sent at once too.
import { getSystemErrorName } from 'node:util';
import { SonicBoom } from 'sonic-boom';
import type { Logger } from 'pino';
import type { ServiceLog } from './service-log';
import { logErrClosed, logErrOpen } from './errors';
import { levelOfValue, PINO_LEVEL_VALUES, type LogLevel } from './levels';
import { createLineFormatter, type LineFormatter, type LogStyle } from './line-format';
import { stderrIsJournal } from './journal';
import { flushAtExit } from './exit-flush';
import { checkWritable, LOG_FILE_MODE } from './open-check';
import { createSyslogFormatter, DEFAULT_SYSLOG_PATH, openSyslogSender, type SyslogTarget } from './syslog';

export type ErrorLogTarget = 'stderr' | { file: string } | { syslog: SyslogTarget };

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
  /** php-fpm's ALERT (zlog's highest level), above error. */
  alert(msg: string, source?: string): void;
  error(msg: string, source?: string): void;
  warn(msg: string, source?: string): void;
  notice(msg: string, source?: string): void;
  info(msg: string, source?: string): void;
  debug(msg: string, source?: string): void;
  readonly level: LogLevel;
  readonly journal: boolean;
  // Where lines go: the requested target, or 'stderr' when the syslog socket was unavailable.
  readonly target: ErrorLogTarget;
  setLevel(level: LogLevel): void;
  isLevelEnabled(level: LogLevel): boolean;
  // Reopen the file (log rotation); a no-op for stderr and syslog. Throws LOG_ERR_OPEN and keeps the old file.
  reopen(): void;
  flush(): void;
  close(): Promise<void>;
}

// pino's typings only allow format arguments after a string message; ours is the source.
type Method = (msg: string, source?: string) => void;

// Where formatted lines go.
interface Sink {
  write(line: string): void;
  flush(): void;
  reopen(): void;
  close(): Promise<void>;
}

function fileSink(file: string | undefined): Sink {
  let dest: SonicBoom;
  try {
    dest = new SonicBoom({ dest: file ?? 2, sync: true, minLength: 0, mode: LOG_FILE_MODE });
  } catch (err) {
    throw logErrOpen(file ?? 'stderr', err);
  }
  // A failed write(2) of a log line is dropped, as zlog does; it must not crash the service.
  dest.on('error', () => undefined);
  return {
    write: (line) => dest.write(line),
    flush: () => dest.flushSync(),
    reopen() {
      if (file === undefined) return;
      checkWritable(file);
      dest.reopen();
    },
    async close() {
      dest.flushSync();
      // Never close fd 2: other code (and the process itself at exit) still writes there.
      if (file === undefined) return;
      await new Promise<void>((resolve) => {
        dest.once('close', () => resolve());
        dest.end();
      });
    },
  };
}

function unavailableText(path: string, cause: unknown): string {
  const code = (cause as { code?: unknown }).code;
  const why = typeof code === 'number' && code < 0 ? getSystemErrorName(code) : String((cause as Error).message).split('\n')[0];
  return `syslog socket '${path}' is unavailable (${why}); logging to stderr`;
}

export function createErrorLog(options: ErrorLogOptions): ErrorLog {
  const { style } = options;
  const requested = options.target;
  const syslog = typeof requested === 'object' && 'syslog' in requested ? requested.syslog : undefined;
  let target: ErrorLogTarget = requested;
  let sink: Sink | undefined;
  // glibc's LOG_CONS writes to the console when the syslog socket cannot be reached; a service's
  // console is its stderr, and the first line there says why.
  let fallback: string | undefined;
  if (syslog !== undefined) {
    const path = syslog.path ?? DEFAULT_SYSLOG_PATH;
    try {
      const sender = openSyslogSender(path, {
        onDropped: (count) => log.warn(`${count} error log lines were dropped while the syslog socket was full`),
      });
      sink = { write: sender.write, flush: sender.flush, reopen: () => undefined, close: async () => sender.close() };
    } catch (err) {
      fallback = unavailableText(path, err);
      target = 'stderr';
    }
  }
  const file = typeof target === 'object' && 'file' in target ? target.file : undefined;
  sink ??= fileSink(file);
  const out: Sink = sink;
  const journal = target === 'stderr' && (options.journal ?? stderrIsJournal(options.env ?? process.env));

  let formatter: LineFormatter = makeFormatter(options.level ?? 'notice');
  function makeFormatter(level: LogLevel): LineFormatter {
    if (syslog !== undefined && target !== 'stderr') return createSyslogFormatter(style, syslog);
    return createLineFormatter({ style, journal, microseconds: level === 'debug' });
  }

  const logger: Logger<'notice' | 'alert'> = loadPino()<'notice' | 'alert'>(
    {
      level: options.level ?? 'notice',
      customLevels: { notice: PINO_LEVEL_VALUES.notice, alert: PINO_LEVEL_VALUES.alert },
      base: null,
      timestamp: false,
      hooks: {
        logMethod(args: unknown[], _method, levelValue: number) {
          const source = typeof args[1] === 'string' ? args[1] : undefined;
          out.write(formatter(levelOfValue(levelValue), String(args[0]), source));
        },
      },
    },
    // Never written to: logMethod above writes every line itself.
    { write: (line: string) => out.write(line) },
  );

  let closed = false;
  const unregister = flushAtExit({ flush: () => out.flush() });

  const log: ErrorLog = {
    alert: (msg, source) => (logger.alert as Method).call(logger, msg, source),
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
      out.reopen();
    },
    flush() {
      if (!closed) out.flush();
    },
    async close() {
      if (closed) return;
      closed = true;
      unregister();
      // Lines logged after close are dropped rather than thrown at the caller.
      logger.level = 'silent';
      await out.close();
    },
  };
  if (fallback !== undefined) log.warn(fallback);
  return log;
}
