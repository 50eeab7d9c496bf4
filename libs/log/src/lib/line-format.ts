// Text error-log lines in the upstream formats: php-fpm's zlog.c ("[22-Nov-2026 16:05:00] NOTICE:
// msg", microseconds at log_level debug) and lighttpd's log.c ("2026-11-22 16:05:00: (file.c.12) msg").
import { FPM_LEVEL_NAMES, JOURNAL_PRIORITIES, type LogLevel } from './levels';

export type LogStyle = 'fpm' | 'lighttpd';

export interface LineFormatOptions {
  style: LogStyle;
  // journald adds its own timestamp and reads the sd-daemon(3) "<N>" prefix as the priority.
  journal: boolean;
  // php-fpm prints microseconds only when log_level is debug (zlog_print_time).
  microseconds?: boolean;
}

export type LineFormatter = (level: LogLevel, msg: string, source?: string, now?: Date) => string;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

// Both upstreams format local time with strftime in the C locale.
export function fpmTime(d: Date): string {
  return `${pad2(d.getDate())}-${MONTHS[d.getMonth()]}-${d.getFullYear()} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

export function lighttpdTime(d: Date): string {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

// lighttpd caches the formatted timestamp per second (log_buffer_prepare); so do we.
export function cachedPerSecond(render: (d: Date) => string): (d: Date) => string {
  let second = Number.NaN;
  let text = '';
  return (d) => {
    const s = Math.floor(d.getTime() / 1000);
    if (s !== second) {
      second = s;
      text = render(d);
    }
    return text;
  };
}

function journalLine(level: LogLevel, body: string): string {
  const prefix = `<${JOURNAL_PRIORITIES[level]}>`;
  // Every physical line is its own journal entry, so each carries the priority.
  return prefix + (body.includes('\n') ? body.split('\n').join(`\n${prefix}`) : body) + '\n';
}

export function createLineFormatter(options: LineFormatOptions): LineFormatter {
  const { style, journal } = options;
  if (style === 'fpm') {
    if (journal) return (level, msg) => journalLine(level, `${FPM_LEVEL_NAMES[level]}: ${msg}`);
    if (options.microseconds === true) {
      return (level, msg, _source, now = new Date()) => {
        const usec = String(now.getMilliseconds() * 1000).padStart(6, '0');
        return `[${fpmTime(now)}.${usec}] ${FPM_LEVEL_NAMES[level]}: ${msg}\n`;
      };
    }
    const time = cachedPerSecond(fpmTime);
    return (level, msg, _source, now = new Date()) => `[${time(now)}] ${FPM_LEVEL_NAMES[level]}: ${msg}\n`;
  }
  const body = (msg: string, source: string | undefined): string => (source === undefined ? msg : `(${source}) ${msg}`);
  if (journal) return (level, msg, source) => journalLine(level, body(msg, source));
  const time = cachedPerSecond(lighttpdTime);
  return (_level, msg, source, now = new Date()) => `${time(now)}: ${body(msg, source)}\n`;
}
