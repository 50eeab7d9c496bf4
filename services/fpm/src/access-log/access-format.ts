// php-fpm's access.format (fpm_log.c): %-specifiers compiled once per worker into an array of
// field writers, so a request's log line is a single pass with no parsing.
import { FpmError } from '../errors';

export interface AccessEntry {
  readonly params: ReadonlyMap<string, string>;
  readonly pool: string;
  readonly remoteAddress: string | undefined;
  readonly status: number;
  readonly responseHeaders: Headers | null;
  /** Epoch milliseconds at the start and end of the request. */
  readonly startMs: number;
  readonly endMs: number;
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  /** Bytes: the worker's resident memory at the end of the request. */
  readonly memory: number;
}

type Field = (e: AccessEntry) => string;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The strftime(3) conversions operators put in %{...}t; others are copied as they are. */
export function strftime(format: string, d: Date): string {
  return format.replace(/%([a-zA-Z%])/g, (all, c: string) => {
    switch (c) {
      case 'Y': return String(d.getFullYear());
      case 'y': return pad(d.getFullYear() % 100);
      case 'm': return pad(d.getMonth() + 1);
      case 'd': return pad(d.getDate());
      case 'e': return String(d.getDate()).padStart(2, ' ');
      case 'H': return pad(d.getHours());
      case 'M': return pad(d.getMinutes());
      case 'S': return pad(d.getSeconds());
      case 'b': return MONTHS[d.getMonth()] ?? '';
      case 'a': return DAYS[d.getDay()] ?? '';
      case 'j': return pad(Math.floor((d.getTime() - new Date(d.getFullYear(), 0, 1).getTime()) / 86400000) + 1, 3);
      case 's': return String(Math.floor(d.getTime() / 1000));
      case 'z': {
        const off = -d.getTimezoneOffset();
        return `${off >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}${pad(Math.abs(off) % 60)}`;
      }
      case '%': return '%';
      default: return all;
    }
  });
}

const DEFAULT_TIME = '%d/%b/%Y:%H:%M:%S %z';

/** The request's path as php-fpm's scoreboard keeps it (%r): SCRIPT_NAME, the script run, not the original REQUEST_URI. */
export function requestPath(params: ReadonlyMap<string, string>): string {
  return params.get('SCRIPT_NAME') || (params.get('REQUEST_URI') ?? '').split('?')[0] || '';
}

const param = (e: AccessEntry, name: string): string => e.params.get(name) ?? '';
const orDash = (s: string): string => (s === '' ? '-' : s);

/** php-fpm's WARNING for a format it refuses; the post-processing then fails with "wrong format". */
const refuse = (why: string): FpmError => new FpmError('FPM_ERR_ACCESS_FORMAT', why);

/** A `%{modifier}X` value, matched without regard to case as php-fpm's strcasecmp() does. */
function modifier<T>(spec: string, arg: string | null, fallback: string, table: Readonly<Record<string, T>>, allowed: string): T {
  // An empty modifier is the default, as php-fpm tests format[0] == '\0' first.
  const key = (arg || fallback).toLowerCase();
  // Own keys only: "%{constructor}d" is no unit.
  if (!Object.hasOwn(table, key)) throw refuse(`only ${allowed} are allowed as a modifier for %${spec} ('${arg}')`);
  return table[key] as T;
}

const CPU_MODIFIERS = { total: 'total', user: 'user', system: 'system' } as const;
/** Milliseconds per unit; "mili" and "miliseconds" are the spellings php-fpm accepted before 8.2. */
const DURATION_MODIFIERS: Readonly<Record<string, number>> = {
  seconds: 1000,
  milli: 1,
  milliseconds: 1,
  mili: 1,
  miliseconds: 1,
  micro: 0.001,
  microseconds: 0.001,
};
const MEMORY_MODIFIERS: Readonly<Record<string, number>> = { bytes: 1, kilo: 1024, kilobytes: 1024, mega: 1048576, megabytes: 1048576 };

function field(spec: string, arg: string | null): Field {
  switch (spec) {
    case 'C': {
      const which = modifier(spec, arg, 'total', CPU_MODIFIERS, "'total', 'user' or 'system'");
      return (e) => {
        const us = which === 'user' ? e.cpuUserUs : which === 'system' ? e.cpuSystemUs : e.cpuUserUs + e.cpuSystemUs;
        const wall = (e.endMs - e.startMs) * 1000;
        return (wall > 0 ? (us / wall) * 100 : 0).toFixed(2);
      };
    }
    case 'd': {
      const div = modifier(spec, arg, 'seconds', DURATION_MODIFIERS, "'seconds', 'milli', 'milliseconds', 'micro' or 'microseconds'");
      // php-fpm prints seconds and milliseconds with 3 decimals, microseconds as a whole number.
      if (div < 1) return (e) => String(Math.round((e.endMs - e.startMs) / div));
      return (e) => ((e.endMs - e.startMs) / div).toFixed(3);
    }
    case 'e': {
      if (!arg) throw refuse('the name of the environment variable must be set between embraces for %e');
      return (e) => orDash(param(e, arg));
    }
    case 'f':
      return (e) => orDash(param(e, 'SCRIPT_FILENAME'));
    case 'l':
      return (e) => param(e, 'CONTENT_LENGTH') || '0';
    case 'm':
      return (e) => orDash(param(e, 'REQUEST_METHOD'));
    case 'M': {
      const div = modifier(spec, arg, 'bytes', MEMORY_MODIFIERS, "'bytes', 'kilo', 'kilobytes', 'mega' or 'megabytes'");
      // Whole units, rounded down, as php-fpm's integer division.
      return (e) => String(Math.floor(e.memory / div));
    }
    case 'n':
      return (e) => e.pool;
    case 'o': {
      if (!arg) throw refuse('the name of the header must be set between embraces for %o');
      return (e) => orDash(e.responseHeaders?.get(arg) ?? '');
    }
    case 'p':
      return () => String(process.pid);
    case 'P':
      return () => String(process.ppid);
    case 'q':
      return (e) => param(e, 'QUERY_STRING');
    case 'Q':
      return (e) => (param(e, 'QUERY_STRING') === '' ? '' : '?');
    case 'r':
      return (e) => orDash(requestPath(e.params));
    case 'R':
      return (e) => e.remoteAddress ?? '-';
    case 's':
      return (e) => String(e.status);
    case 't':
      return (e) => strftime(arg ?? DEFAULT_TIME, new Date(e.startMs));
    case 'T':
      return (e) => strftime(arg ?? DEFAULT_TIME, new Date(e.endMs));
    case 'u':
      return (e) => param(e, 'REMOTE_USER');
    default:
      throw refuse(`Invalid token in the access.format (%${spec})`);
  }
}

/**
 * Compiles an access.format; what php-fpm refuses throws FPM_ERR_ACCESS_FORMAT with php-fpm's
 * WARNING text as the message.
 */
export function compileAccessFormat(format: string): (entry: AccessEntry) => string {
  const parts: Array<string | Field> = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    if (c !== '%') {
      literal += c;
      continue;
    }
    let arg: string | null = null;
    if (format[i + 1] === '{') {
      const close = format.indexOf('}', i + 2);
      if (close < 0) throw refuse('missing closing embrace in the access.format');
      arg = format.slice(i + 2, close);
      i = close;
    }
    const spec = format[++i];
    // A '%' that ends the format prints nothing, as in php-fpm.
    if (spec === undefined) break;
    if (spec === '%') {
      literal += '%';
      continue;
    }
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push(field(spec, arg));
  }
  if (literal !== '') parts.push(literal);
  return (entry) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(entry);
    return out;
  };
}
