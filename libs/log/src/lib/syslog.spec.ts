// The syslog target against a real AF_UNIX datagram socket bound in a temp dir: the exact bytes
// glibc's syslog(3) would send, a daemon that restarts, a daemon too busy to read, no daemon.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatagramReceiver } from '@libs/testing';
import { createErrorLog, type ErrorLog } from './error-log';
import { createSyslogFormatter, parseSyslogFacility, SYSLOG_QUEUE_LIMIT, syslogTime } from './syslog';

let dir: string;
let socketPath: string;
let receiver: DatagramReceiver;
let log: ErrorLog | undefined;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syslog-'));
  socketPath = path.join(dir, 'log');
  receiver = await DatagramReceiver.bind(socketPath);
});
afterEach(async () => {
  await log?.close();
  log = undefined;
  receiver.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const TIME = '[A-Z][a-z]{2} [ 123]\\d \\d\\d:\\d\\d:\\d\\d';
const line = (pri: number, ident: string, text: string): RegExp =>
  new RegExp(`^<${pri}>${TIME} ${ident}\\[${process.pid}\\]: ${text.replace(/[[\]().]/g, '\\$&')}$`);

describe('syslog error log', () => {
  it('sends one datagram per line: <facility*8+severity>, the time, ident[pid], "[LEVEL] " and the message', async () => {
    log = createErrorLog({ target: { syslog: { ident: 'fpm-ts', facility: 'daemon', path: socketPath } }, style: 'fpm', level: 'notice' });
    expect(log.target).toEqual({ syslog: { ident: 'fpm-ts', facility: 'daemon', path: socketPath } });
    log.debug('hidden');
    log.notice('fpm is running, pid 123');
    log.warn('[pool www] child 7 exited on signal 9 (SIGKILL) after 1.5 seconds from start');
    log.error('broken %s kept verbatim');
    const got = await receiver.waitForCount(3);
    // daemon is 3: 3*8 + LOG_NOTICE 5, + LOG_WARNING 4, + LOG_ERR 3. No trailing newline, as glibc sends it.
    expect(got).toEqual([
      expect.stringMatching(line(29, 'fpm-ts', '[NOTICE] fpm is running, pid 123')),
      expect.stringMatching(line(28, 'fpm-ts', '[WARNING] [pool www] child 7 exited on signal 9 (SIGKILL) after 1.5 seconds from start')),
      expect.stringMatching(line(27, 'fpm-ts', '[ERROR] broken %s kept verbatim')),
    ]);
  });

  it('uses the configured facility and keeps the lighttpd (source) part', async () => {
    log = createErrorLog({ target: { syslog: { ident: 'lighttpd', facility: 'local7', path: socketPath } }, style: 'lighttpd', level: 'debug' });
    log.error('server started', 'server.c.1234');
    log.debug('no source');
    // local7 is 23: 184 + 3, 184 + 7.
    expect(await receiver.waitForCount(2)).toEqual([
      expect.stringMatching(line(187, 'lighttpd', '(server.c.1234) server started')),
      expect.stringMatching(line(191, 'lighttpd', 'no source')),
    ]);
  });

  it('reconnects when the daemon comes back on a new socket at the same path, as glibc retries once', async () => {
    log = createErrorLog({ target: { syslog: { ident: 'fpm-ts', facility: 'daemon', path: socketPath } }, style: 'fpm' });
    log.notice('before');
    await receiver.waitForCount(1);
    receiver.close();
    log.notice('nobody listens: dropped, not thrown');
    receiver = await DatagramReceiver.bind(socketPath);
    log.notice('after');
    expect(await receiver.waitForCount(1)).toEqual([expect.stringMatching(/\[NOTICE\] after$/)]);
  });

  it('holds lines back while the socket is full and sends them in order once it drains', async () => {
    log = createErrorLog({ target: { syslog: { ident: 'fpm-ts', facility: 'daemon', path: socketPath } }, style: 'fpm' });
    // One synchronous burst: the receiver cannot read before it ends, so its queue fills up.
    const count = 200;
    for (let i = 0; i < count; i++) log.notice(`line ${i}`);
    const got = await receiver.waitForCount(count);
    expect(got.map((m) => /line (\d+)$/.exec(m)?.[1])).toEqual(Array.from({ length: count }, (_, i) => String(i)));
  });

  it('drops lines past the queue limit and says how many once the socket drains', async () => {
    log = createErrorLog({ target: { syslog: { ident: 'fpm-ts', facility: 'daemon', path: socketPath } }, style: 'fpm' });
    const count = SYSLOG_QUEUE_LIMIT + 500;
    for (let i = 0; i < count; i++) log.notice(`line ${i}`);
    const warning = /\[WARNING\] (\d+) error log lines were dropped while the syslog socket was full$/;
    const got = await receiver.waitUntil('report of dropped lines', (messages) => warning.test(messages[messages.length - 1] ?? ''));
    const dropped = Number(warning.exec(got[got.length - 1] ?? '')?.[1]);
    const sent = got.slice(0, -1).map((m) => Number(/line (\d+)$/.exec(m)?.[1]));
    // The lines that got through are the first ones, in order, and the count accounts for the rest.
    expect(sent).toEqual(Array.from({ length: sent.length }, (_, i) => i));
    expect(sent.length).toBeGreaterThanOrEqual(SYSLOG_QUEUE_LIMIT);
    expect(sent.length + dropped).toBe(count);
  });
});

describe('syslog formatting', () => {
  it("formats the time as glibc's %h %e %T: the day of the month padded with a space", () => {
    expect(syslogTime(new Date(2026, 0, 5, 7, 8, 9))).toBe('Jan  5 07:08:09');
    expect(syslogTime(new Date(2026, 10, 22, 23, 59, 0))).toBe('Nov 22 23:59:00');
  });

  it('builds the whole datagram from the level, the ident and the pid', () => {
    const format = createSyslogFormatter('fpm', { ident: 'php-fpm', facility: 'local3' }, () => 4242);
    expect(format('notice', 'fpm is running, pid 4242', undefined, new Date(2026, 10, 22, 22, 13, 9))).toBe(
      '<157>Nov 22 22:13:09 php-fpm[4242]: [NOTICE] fpm is running, pid 4242',
    );
  });

  it("accepts php-fpm's facility names in any case and nothing else", () => {
    expect(parseSyslogFacility('LOCAL3')).toBe('local3');
    expect(parseSyslogFacility('Daemon')).toBe('daemon');
    expect(parseSyslogFacility('authpriv')).toBe('authpriv');
    for (const bad of ['bogus', 'local8', 'log_daemon', '', 'constructor', 'toString']) expect(parseSyslogFacility(bad)).toBeUndefined();
  });
});
