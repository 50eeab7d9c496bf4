// Value parsers for php-fpm.conf entries, with php-fpm's own complaint for each bad value
// (fpm_conf.c: fpm_conf_set_integer, _set_time, _set_boolean, _set_pm, _set_log_level, ...).
import { parseSyslogFacility } from '@libs/log';

export type ValueKind =
  | 'string'
  | 'string-or-null'
  | 'int'
  | 'int-or-null'
  | 'signed-int-or-null'
  | 'signed-int'
  | 'time'
  | 'boolean'
  | 'mode'
  | 'log-level'
  | 'pm'
  | 'syslog-facility'
  | 'list'
  | 'comma-list';

export type ParsedValue = string | number | boolean | null | string[];

/** Returns the parsed value, or a string starting with '!' carrying php-fpm's reason. */
export function parseValueOf(kind: ValueKind, raw: string): ParsedValue | { error: string } {
  switch (kind) {
    case 'string':
      return raw;
    case 'string-or-null':
      return raw === '' ? null : raw;
    case 'int':
    case 'int-or-null':
      if (kind === 'int-or-null' && raw === '') return null;
      return /^\d+$/.test(raw) ? Number(raw) : { error: 'is not a valid number (greater or equal than zero)' };
    case 'signed-int':
      // fpm_conf_set_integer(): digits with an optional leading '-', read by atoi() ('' and '-' are 0).
      return /^-?\d*$/.test(raw) ? atoi(raw) : { error: 'is not a valid number (greater or equal than zero)' };
    case 'signed-int-or-null':
      if (raw === '') return null;
      return /^-?\d+$/.test(raw) ? Number(raw) : { error: 'is not a valid number' };
    case 'time':
      return parseTime(raw);
    case 'boolean':
      if (raw === '1') return true;
      if (raw === '' || raw === '0') return false;
      return { error: 'invalid boolean value' };
    case 'mode':
      return /^[0-7]{1,4}$/.test(raw) ? parseInt(raw, 8) : { error: 'invalid octal mode' };
    case 'log-level':
      return ['alert', 'error', 'warning', 'notice', 'debug'].includes(raw) ? raw : { error: "invalid value for 'log_level'" };
    case 'pm':
      return raw === 'static' || raw === 'dynamic' || raw === 'ondemand'
        ? raw
        : { error: 'invalid process manager (static, dynamic or ondemand)' };
    case 'syslog-facility':
      // fpm_conf_set_syslog_facility: the <syslog.h> names without LOG_, in any case.
      return parseSyslogFacility(raw) ?? { error: 'invalid value' };
    case 'list':
      return raw.split(/\s+/).filter((s) => s !== '');
    case 'comma-list':
      return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }
}

/**
 * Seconds, as fpm_conf_set_time() reads them: only the last character may be a suffix (s, m, h
 * or d; a digit means seconds), and atoi() takes the number before it, so `5parsecs` is 5 s.
 */
function parseTime(raw: string): number | { error: string } {
  if (raw === '') return { error: 'invalid time value' };
  const suffix = raw.charAt(raw.length - 1);
  if (suffix >= '0' && suffix <= '9') return atoi(raw);
  const factor = TIME_SUFFIXES[suffix];
  if (factor === undefined) return { error: 'unknown suffix used in time value' };
  return factor * atoi(raw.slice(0, -1));
}

const TIME_SUFFIXES: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/** C's atoi(): leading white space, a sign, the digits that follow; 0 when there are none. */
function atoi(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return m?.[1] === undefined ? 0 : Number(m[1]);
}
