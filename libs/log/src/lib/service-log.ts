// The logging surface every lib and service codes against: php-fpm's levels (ERROR, WARNING,
// NOTICE, DEBUG) plus info, each taking one formatted line. A pino logger created by this lib
// (with the custom "notice" level) satisfies it; tests may pass a recorder.
export interface ServiceLog {
  error(msg: string): void;
  warn(msg: string): void;
  notice(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
}

/** A ServiceLog whose every level goes through one function (a channel, a recorder, a lazy log). */
export function serviceLogFrom(line: (level: keyof ServiceLog, msg: string) => void): ServiceLog {
  return {
    error: (msg) => line('error', msg),
    warn: (msg) => line('warn', msg),
    notice: (msg) => line('notice', msg),
    info: (msg) => line('info', msg),
    debug: (msg) => line('debug', msg),
  };
}
