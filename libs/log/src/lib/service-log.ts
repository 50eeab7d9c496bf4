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
