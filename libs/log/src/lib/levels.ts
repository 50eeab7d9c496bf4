// Log levels shared by both services: php-fpm's zlog levels (DEBUG, NOTICE, WARNING, ERROR, ALERT)
// plus info, with their pino numbers and sd-daemon(3) journal priorities.
import { logErrLevel } from './errors';

export type LogLevel = 'alert' | 'error' | 'warn' | 'notice' | 'info' | 'debug';

export const LOG_LEVELS: readonly LogLevel[] = ['alert', 'error', 'warn', 'notice', 'info', 'debug'];

// pino's numbers for its built-ins; "notice" sits between info (30) and warn (40), "alert" between
// error (50) and fatal (60).
export const PINO_LEVEL_VALUES: Readonly<Record<LogLevel, number>> = {
  alert: 55,
  error: 50,
  warn: 40,
  notice: 35,
  info: 30,
  debug: 20,
};

// sd-daemon(3): SD_ALERT 1, SD_ERR 3, SD_WARNING 4, SD_NOTICE 5, SD_INFO 6, SD_DEBUG 7.
export const JOURNAL_PRIORITIES: Readonly<Record<LogLevel, number>> = {
  alert: 1,
  error: 3,
  warn: 4,
  notice: 5,
  info: 6,
  debug: 7,
};

// The word php-fpm's zlog prints after the timestamp (level_names[] in zlog.c).
export const FPM_LEVEL_NAMES: Readonly<Record<LogLevel, string>> = {
  alert: 'ALERT',
  error: 'ERROR',
  warn: 'WARNING',
  notice: 'NOTICE',
  info: 'INFO',
  debug: 'DEBUG',
};

const LEVEL_BY_VALUE = new Map<number, LogLevel>(LOG_LEVELS.map((l) => [PINO_LEVEL_VALUES[l], l]));

export function levelOfValue(value: number): LogLevel {
  return LEVEL_BY_VALUE.get(value) ?? 'error';
}

// Accepts php-fpm's `log_level` words (alert, error, warning, notice, debug) and our own names.
export function parseLogLevel(value: string): LogLevel {
  switch (value.trim().toLowerCase()) {
    case 'alert':
      return 'alert';
    case 'error':
      return 'error';
    case 'warning':
    case 'warn':
      return 'warn';
    case 'notice':
      return 'notice';
    case 'info':
      return 'info';
    case 'debug':
      return 'debug';
    default:
      throw logErrLevel(value);
  }
}
