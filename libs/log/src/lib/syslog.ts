// The syslog target of the error log: what glibc's openlog(ident, LOG_PID | LOG_CONS, facility) +
// syslog(3) do (misc/syslog.c), for php-fpm's error_log = syslog (zlog.c, fpm_stdio.c) and
// lighttpd's server.errorlog-use-syslog. One datagram per line on the AF_UNIX socket /dev/log:
// "<PRI>Mmm dd hh:mm:ss ident[pid]: message", PRI = facility * 8 + severity.
import type { UnixDgramSocket } from 'unix-dgram';
import { JOURNAL_PRIORITIES, FPM_LEVEL_NAMES, type LogLevel } from './levels';
import { cachedPerSecond, type LineFormatter, type LogStyle } from './line-format';

export const DEFAULT_SYSLOG_PATH = '/dev/log';

// <syslog.h> facility codes (the value openlog() takes is the code << 3).
export const SYSLOG_FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;

export type SyslogFacility = keyof typeof SYSLOG_FACILITIES;

/** A facility name as php-fpm's fpm_conf_set_syslog_facility() accepts it (any case), or undefined. */
export function parseSyslogFacility(name: string): SyslogFacility | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(SYSLOG_FACILITIES, key) ? (key as SyslogFacility) : undefined;
}

export interface SyslogTarget {
  /** openlog()'s ident: php-fpm's syslog.ident, lighttpd's "lighttpd". */
  ident: string;
  facility: SyslogFacility;
  /** The syslog socket (default /dev/log, glibc's _PATH_LOG). */
  path?: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** glibc's strftime "%h %e %T" in local time: the day of the month is padded with a space. */
export function syslogTime(d: Date): string {
  const day = d.getDate();
  return `${MONTHS[d.getMonth()]} ${day < 10 ? ` ${day}` : day} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/**
 * Whole datagrams. The message is the upstream's syslog text: php-fpm's zlog_buf_prefix() puts
 * "[LEVEL] " before it and no timestamp; lighttpd keeps its "(file.c.123) " source. The severity
 * is the line's own level (php-fpm 8.2 sends every line at the severity of the configured
 * log_level instead: syslog_priorities[zlog_level] in vzlog()).
 */
export function createSyslogFormatter(style: LogStyle, target: SyslogTarget, pid: () => number = () => process.pid): LineFormatter {
  const facility = SYSLOG_FACILITIES[target.facility] * 8;
  const time = cachedPerSecond(syslogTime);
  const header = (level: LogLevel, now: Date): string => `<${facility + JOURNAL_PRIORITIES[level]}>${time(now)} ${target.ident}[${pid()}]: `;
  if (style === 'fpm') return (level, msg, _source, now = new Date()) => `${header(level, now)}[${FPM_LEVEL_NAMES[level]}] ${msg}`;
  return (level, msg, source, now = new Date()) => header(level, now) + (source === undefined ? msg : `(${source}) ${msg}`);
}

// Datagrams held while the socket's buffer is full (journald busy), sent again when it drains.
export const SYSLOG_QUEUE_LIMIT = 1000;

/** unix-dgram's failure codes: a negative errno from send/connect, or 1 for a full socket buffer. */
function isCongestion(err: Error | undefined): boolean {
  return (err as { code?: unknown } | undefined)?.code === 1;
}

export interface SyslogSender {
  /** Sends one datagram; a failed send is dropped, as glibc drops it after one reconnect. */
  write(datagram: string): void;
  /** Sends what a full socket held back, as far as the socket takes it now. */
  flush(): void;
  close(): void;
}

type UnixDgram = typeof import('unix-dgram');

export interface SyslogSenderOptions {
  /** Called once the held-back datagrams are sent, with how many were dropped meanwhile. */
  onDropped?: (count: number) => void;
  /** How to load unix-dgram (default: require it). */
  load?: () => UnixDgram;
}

/** The native unix-dgram addon is loaded only when a log goes to syslog. */
function loadUnixDgram(): UnixDgram {
  return require('unix-dgram') as UnixDgram;
}

/**
 * Connects an AF_UNIX datagram socket to the syslog socket. Throws (with the errno code) when it
 * cannot: no addon, or no socket at that path; the caller falls back to stderr as LOG_CONS falls
 * back to the console.
 */
export function openSyslogSender(path: string, options: SyslogSenderOptions = {}): SyslogSender {
  const load = options.load ?? loadUnixDgram;
  const socket: UnixDgramSocket = load().createSocket('unix_dgram');
  let connectError: Error | undefined;
  socket.on('error', (err: Error) => {
    connectError = err;
  });
  const connect = (): boolean => {
    connectError = undefined;
    socket.connect(path);
    return connectError === undefined;
  };
  if (!connect()) {
    socket.close();
    throw connectError;
  }

  const queue: Buffer[] = [];
  let dropped = 0;
  let closed = false;

  const sendNow = (buf: Buffer): Error | undefined => {
    let failure: Error | undefined;
    socket.send(buf, (err?: Error) => {
      failure = err;
    });
    return failure;
  };

  // Sends queued datagrams in order until the socket is full again.
  const drain = (): void => {
    while (queue.length > 0 && !closed) {
      const head = queue[0] as Buffer;
      const err = sendNow(head);
      if (isCongestion(err)) return;
      queue.shift();
    }
    if (dropped > 0 && !closed) {
      const count = dropped;
      dropped = 0;
      options.onDropped?.(count);
    }
  };
  socket.on('writable', drain);

  return {
    write(datagram) {
      if (closed) return;
      const buf = Buffer.from(datagram);
      if (queue.length > 0) {
        if (queue.length < SYSLOG_QUEUE_LIMIT) queue.push(buf);
        else dropped++;
        return;
      }
      let err = sendNow(buf);
      // glibc: a send that fails reconnects (syslogd may have restarted) and tries once more.
      if (err !== undefined && !isCongestion(err) && connect()) err = sendNow(buf);
      if (isCongestion(err)) queue.push(buf);
    },
    flush: drain,
    close() {
      if (closed) return;
      drain();
      closed = true;
      queue.length = 0;
      socket.close();
    },
  };
}
