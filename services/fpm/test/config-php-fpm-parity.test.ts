// Differential test: the same php-fpm.conf fed to Debian's php-fpm8.2 -t and to our loader.
// Both must accept or both reject, and for the errors we reproduce, with php-fpm's own words and level.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import type { FpmError } from '../src/errors';

const PHP_FPM = '/usr/sbin/php-fpm8.2';
let dir: string;
beforeAll(() => {
  if (!fs.existsSync(PHP_FPM)) throw new Error(`${PHP_FPM} is missing: run tools/setup/install-debian-packages.sh`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fpm-parity-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const head = (log: string): string => `[global]\nerror_log = ${log}\n[www]\nuser = nobody\n`;
const cases: Array<[string, string]> = [
  ['static pool', 'listen = 127.0.0.1:9999\npm = static\npm.max_children = 3\n'],
  ['dynamic pool with defaults', 'listen = 9000\npm = dynamic\npm.max_children = 5\npm.min_spare_servers = 1\npm.max_spare_servers = 3\n'],
  ['ondemand with idle timeout', 'listen = /tmp/$pool.sock\npm = ondemand\npm.max_children = 2\npm.process_idle_timeout = 5s\n'],
  ['time suffixes', 'listen = 9000\npm = static\npm.max_children = 2\nrequest_terminate_timeout = 1h\nslowlog = /tmp/slow.log\nrequest_slowlog_timeout = 2m\n'],
  ['unknown entry', 'listen = 9000\npm = static\npm.max_children = 3\nfoo = bar\n'],
  ['bad integer', 'listen = 9000\npm = static\npm.max_children = abc\n'],
  ['bad time suffix', 'listen = 9000\npm = static\npm.max_children = 3\nrequest_terminate_timeout = 5x\n'],
  // fpm_conf_set_time(): only the last character is a suffix; atoi() reads the number before it.
  ['time value with a word before its suffix', 'listen = 9000\npm = static\npm.max_children = 3\nrequest_terminate_timeout = 5parsecs\n'],
  ['time value with a space before its suffix', 'listen = 9000\npm = static\npm.max_children = 3\nrequest_terminate_timeout = "5 m"\n'],
  ['time value that is a word', 'listen = 9000\npm = static\npm.max_children = 3\nrequest_terminate_timeout = abc\n'],
  ['time value with a capital suffix', 'listen = 9000\npm = static\npm.max_children = 3\nrequest_terminate_timeout = 5S\n'],
  ['empty time value', 'listen = 9000\npm = static\npm.max_children = 3\nrequest_terminate_timeout =\n'],
  ['listen.backlog = -1 (php-fpm\'s default on Linux)', 'listen = 9000\npm = static\npm.max_children = 2\nlisten.backlog = -1\n'],
  ['listen.backlog that is not a number', 'listen = 9000\npm = static\npm.max_children = 2\nlisten.backlog = 1-\n'],
  ['include of a missing plain file', 'include = /nonexistent-fpm-parity/pool.conf\nlisten = 9000\npm = static\npm.max_children = 2\n'],
  ['include of a pattern matching nothing', 'include = /tmp/*.nonexistent-fpm-parity\nlisten = 9000\npm = static\npm.max_children = 2\n'],
  ['include of a pattern in a missing directory', 'include = /nonexistent-fpm-parity/*.conf\nlisten = 9000\npm = static\npm.max_children = 2\n'],
  ['bad pm', 'listen = 9000\npm = bogus\npm.max_children = 3\n'],
  ['bad boolean', 'listen = 9000\npm = static\npm.max_children = 2\ncatch_workers_output = maybe\n'],
  ['no listen', 'pm = static\npm.max_children = 3\n'],
  ['max_children zero', 'listen = 9000\npm = ondemand\npm.max_children = 0\n'],
  ['spare servers reversed', 'listen = 9000\npm = dynamic\npm.max_children = 3\npm.min_spare_servers = 2\npm.max_spare_servers = 1\n'],
  ['start_servers out of range', 'listen = 9000\npm = dynamic\npm.max_children = 3\npm.min_spare_servers = 1\npm.max_spare_servers = 2\npm.start_servers = 5\n'],
  ['relative status path', 'listen = 9000\npm = static\npm.max_children = 2\npm.status_path = status\n'],
  ['slowlog timeout without slowlog', 'listen = 9000\npm = static\npm.max_children = 2\nrequest_slowlog_timeout = 1s\n'],
  ['zero idle timeout', 'listen = 9000\npm = ondemand\npm.max_children = 2\npm.process_idle_timeout = 0\n'],
  ['access format with every specifier', 'listen = 9000\npm = static\npm.max_children = 2\naccess.log = /tmp/access.log\naccess.format = "%R %u %t %T %m %r %q %Q %s %f %l %n %p %P %d %{mili}d %{kilo}M %C %{HTTP_HOST}e %{Content-Type}o %{%Y-%m-%d}t %%"\n'],
  ['access format of Debian 8.2\'s www.conf', 'listen = 9000\npm = static\npm.max_children = 2\naccess.log = /tmp/access.log\naccess.format = "%R - %u %t \\"%m %r%Q%q\\" %s %f %{milli}d %{kilo}M %C%%"\n'],
  ['access format modifiers in any case, a trailing %', 'listen = 9000\npm = static\npm.max_children = 2\naccess.log = /tmp/access.log\naccess.format = "%{MICRO}d %{Mega}M %{User}C %{}d %"\n'],
  ['access format %d with an unknown unit', 'listen = 9000\npm = static\npm.max_children = 2\naccess.log = /tmp/access.log\naccess.format = "%{bogus}d"\n'],
  ['access format %{}e', 'listen = 9000\npm = static\npm.max_children = 2\naccess.log = /tmp/access.log\naccess.format = "%{}e"\n'],
  ['access format with an unknown token', 'listen = 9000\npm = static\npm.max_children = 2\naccess.log = /tmp/access.log\naccess.format = "%{x}X"\n'],
  ['access format with an unclosed brace', 'listen = 9000\npm = static\npm.max_children = 2\naccess.log = /tmp/access.log\naccess.format = "%{abc"\n'],
  ['access.suppress_path[] lines', 'listen = 9000\npm = static\npm.max_children = 2\naccess.suppress_path[] = /ping\naccess.suppress_path[] = /health\n'],
  ['access.suppress_path without []', 'listen = 9000\npm = static\npm.max_children = 2\naccess.suppress_path = /ping\n'],
  ['listen.setfib (FreeBSD only)', 'listen = 9000\npm = static\npm.max_children = 2\nlisten.setfib = 1\n'],
  ['access format %e without a name', 'listen = 9000\npm = static\npm.max_children = 2\naccess.log = /tmp/access.log\naccess.format = "%R %e"\n'],
  ['chdir that does not exist', 'listen = 9000\npm = static\npm.max_children = 2\nchdir = /nonexistent-fpm-parity\n'],
  ['chdir to a file', 'listen = 9000\npm = static\npm.max_children = 2\nchdir = /etc/hostname\n'],
  ['chdir to a directory', 'listen = 9000\npm = static\npm.max_children = 2\nchdir = /tmp\n'],
  ['access.log that cannot be opened', 'listen = 9000\npm = static\npm.max_children = 2\naccess.log = /nonexistent-fpm-parity/access.log\n'],
  ['slowlog that cannot be opened', 'listen = 9000\npm = static\npm.max_children = 2\nslowlog = /nonexistent-fpm-parity/slow.log\nrequest_slowlog_timeout = 1s\n'],
  ['slowlog that cannot be opened, unused', 'listen = 9000\npm = static\npm.max_children = 2\nslowlog = /nonexistent-fpm-parity/slow.log\n'],
  ['error_log that cannot be opened', 'listen = 9000\npm = static\npm.max_children = 2\n[global]\nerror_log = /nonexistent-fpm-parity/error.log\n'],
  ['empty ping response', 'listen = 9000\npm = static\npm.max_children = 2\nping.path = /ping\nping.response =\n'],
  ['syslog facility in capitals', 'listen = 9000\npm = static\npm.max_children = 2\n[global]\nsyslog.ident = fpm-parity\nsyslog.facility = LOCAL7\n'],
  ['unknown syslog facility', 'listen = 9000\npm = static\npm.max_children = 2\n[global]\nsyslog.facility = log_local7\n'],
];

describe('php-fpm.conf parity with php-fpm8.2 -t', () => {
  it.each(cases)('%s', (name, body) => {
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.conf`);
    const log = `${file}.log`;
    fs.writeFileSync(file, head(log) + body);
    const peer = spawnSync(PHP_FPM, ['-t', '-y', file], { encoding: 'utf8' });
    const peerAccepts = peer.status === 0;
    // php-fpm's first ERROR/ALERT line, without its timestamp: on stderr before its log is open.
    const peerOutput = peer.stderr + (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '');
    const peerError = /(ERROR|ALERT): (.*)/.exec(peerOutput);

    let ours: FpmError | null = null;
    let notes: string[] = [];
    try {
      const config = loadConfig(file, { prefix: dir, requireUser: true });
      notes = config.messages.filter((m) => /^\[pool |^Nothing matches/.test(m.text)).map((m) => `${m.level === 'warn' ? 'WARNING' : 'NOTICE'}: ${m.text}`);
    } catch (err) {
      ours = err as FpmError;
    }
    expect({ accepts: ours === null }).toEqual({ accepts: peerAccepts });
    if (!peerAccepts) {
      expect(`${ours?.level.toUpperCase()}: ${ours?.message}`).toBe(`${peerError?.[1]}: ${peerError?.[2]}`);
      // The WARNING php-fpm logs first to say why, if any.
      expect(ours?.warning).toBe(/WARNING: (.*)/.exec(peerOutput)?.[1] ?? null);
    }
    // What php-fpm says of a pool without failing (a default it filled in, an include matching
    // nothing), at the same level;
    // once, though it wrote it both to stderr and to its log.
    else expect(notes).toEqual([...new Set([...peerOutput.matchAll(/(NOTICE|WARNING): (\[pool .*|Nothing matches .*)/g)].map((m) => `${m[1]}: ${m[2]}`))]);
  });
});
