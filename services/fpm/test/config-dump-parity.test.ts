// Differential test: `-tt` prints the configuration as Debian's php-fpm8.2 -tt does, line for
// line, for a pool that sets what php-fpm would otherwise print as "undefined" and fpm-ts fills in.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tsEnv, tsNodeArgs } from '@libs/testing';
import { BIN } from './master-harness';

const PHP_FPM = '/usr/sbin/php-fpm8.2';
/** Settings of fpm-ts's own, printed after php-fpm's. */
const OURS_ONLY = /^\t(program|program\.args|handler\.revalidate_freq) = /;

let dir: string;
beforeAll(() => {
  if (!fs.existsSync(PHP_FPM)) throw new Error(`${PHP_FPM} is missing: run tools/setup/install-debian-packages.sh`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fpm-dump-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The NOTICE lines of a -tt run, without timestamps. */
function noticeLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((line) => /^\[[^\]]+\] NOTICE: (.*)$/.exec(line)?.[1])
    .filter((line): line is string => line !== undefined);
}

test('-tt dumps every setting in php-fpm\'s words and order', () => {
  const conf = path.join(dir, 'fpm.conf');
  fs.writeFileSync(
    conf,
    `[global]
pid = ${dir}/fpm.pid
error_log = ${dir}/fpm.log
syslog.ident = dumped
syslog.facility = local3
log_level = notice
emergency_restart_threshold = 10
emergency_restart_interval = 1m
process_control_timeout = 10s
process.max = 64
daemonize = no
rlimit_files = 4096
systemd_interval = 5s
[www]
user = nobody
group = nogroup
listen = ${dir}/www.sock
listen.backlog = 128
listen.mode = 0600
pm = dynamic
pm.max_children = 7
pm.start_servers = 3
pm.min_spare_servers = 2
pm.max_spare_servers = 4
pm.max_spawn_rate = 8
pm.max_requests = 500
pm.status_path = /status
ping.path = /ping
ping.response = alive
access.log = ${dir}/access.log
access.format = "%R %m %r %s"
access.suppress_path[] = /ping
access.suppress_path[] = /health
slowlog = ${dir}/slow.log
request_slowlog_timeout = 5s
request_terminate_timeout = 2m
catch_workers_output = yes
decorate_workers_output = no
chdir = /
security.limit_extensions = .js
env[APP_MODE] = production
env[HOME] = $HOME
`,
  );
  const peer = spawnSync(PHP_FPM, ['-tt', '-y', conf], { encoding: 'utf8' });
  const ours = spawnSync(process.execPath, tsNodeArgs(BIN, ['-tt', '-y', conf]), { encoding: 'utf8', env: tsEnv({}) });
  expect(peer.status).toBe(0);
  expect(ours.status).toBe(0);
  const expected = noticeLines(peer.stderr);
  // Enough of php-fpm's dump came through for the comparison to mean something.
  expect(expected).toContain('\tenv[APP_MODE] = production');
  expect(expected.at(-1)).toBe(`configuration file ${conf} test is successful`);
  const got = noticeLines(ours.stderr);
  expect(got.filter((line) => OURS_ONLY.test(line))).toHaveLength(3);
  expect(got.filter((line) => !OURS_ONLY.test(line))).toEqual(expected);
});

test('-t alone prints the verdict only, and nothing at log_level = warning, as php-fpm', () => {
  for (const [level, verdict] of [['notice', true], ['warning', false]] as const) {
    const conf = path.join(dir, `${level}.conf`);
    fs.writeFileSync(conf, `[global]\nerror_log = ${dir}/${level}.log\nlog_level = ${level}\n[www]\nuser = nobody\nlisten = ${dir}/${level}.sock\npm = static\npm.max_children = 1\n`);
    const peer = spawnSync(PHP_FPM, ['-t', '-y', conf], { encoding: 'utf8' });
    const ours = spawnSync(process.execPath, tsNodeArgs(BIN, ['-t', '-y', conf]), { encoding: 'utf8', env: tsEnv({}) });
    expect([peer.status, ours.status]).toEqual([0, 0]);
    const lines = verdict ? [`configuration file ${conf} test is successful`] : [];
    expect(noticeLines(peer.stderr)).toEqual(lines);
    expect(noticeLines(ours.stderr)).toEqual(lines);
  }
});
