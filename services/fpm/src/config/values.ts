// Value parsers for php-fpm.conf entries, with php-fpm's own complaint for each bad value
// (fpm_conf.c: fpm_conf_set_integer, _set_time, _set_boolean, _set_pm, _set_log_level, ...).
import { parseSyslogFacility } from '@libs/log';

export type ValueKind =
  | 'string'
  | 'string-or-null'
  | 'int'
  | 'int-or-null'
  | 'signed-int-or-null'
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

/** Seconds, with php-fpm's optional suffix s, m, h or d. */
function parseTime(raw: string): number | { error: string } {
  const m = /^(\d+)([smhd]?)$/.exec(raw);
  if (!m) return /^\d+[a-z]$/i.test(raw) ? { error: 'unknown suffix used in time value' } : { error: 'invalid time value' };
  const n = Number(m[1]);
  const factor = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return n * factor;
}
