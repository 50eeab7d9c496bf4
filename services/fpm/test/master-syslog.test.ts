// error_log = syslog: the real fpm-ts in a private mount namespace whose /dev holds a /dev/log
// pointing at a datagram socket the test bound, so the master's lines arrive as syslog(3) sends
// them, with the configured ident and facility, and the master still exits once stopped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatagramReceiver, privateDevLog } from '@libs/testing';
import { FpmUnderTest } from './master-harness';

let fpm: FpmUnderTest | undefined;
let receiver: DatagramReceiver | undefined;
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fpm-syslog-'));
});
afterEach(async () => {
  await fpm?.stop();
  fpm = undefined;
  receiver?.close();
  receiver = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const conf = (global: string): string => `[global]
error_log = syslog
${global}
pid = @DIR@/fpm.pid
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 1
catch_workers_output = yes
`;

test('logs to /dev/log with syslog.ident, syslog.facility, the master pid and "[LEVEL] ", and nothing on stderr', async () => {
  const socketPath = path.join(dir, 'syslog.sock');
  receiver = await DatagramReceiver.bind(socketPath);
  fpm = await FpmUnderTest.start(conf('syslog.ident = fpm-test\nsyslog.facility = local4'), { wrap: privateDevLog(dir, socketPath), waitFor: null });
  const pid = fpm.proc.pid;
  const header = (pri: number): string => `^<${pri}>[A-Z][a-z]{2} [ 123]\\d \\d\\d:\\d\\d:\\d\\d fpm-test\\[${pid}\\]: `;
  // local4 is 20: 160 + LOG_NOTICE 5.
  await receiver.waitUntil('ready', (messages) => messages.some((m) => m.endsWith('[NOTICE] ready to handle connections')), 20000);
  expect(receiver.messages[0]).toMatch(new RegExp(`${header(165)}\\[NOTICE\\] fpm is running, pid ${pid}$`));

  // A worker's stderr (catch_workers_output) goes the same way, at LOG_WARNING.
  expect(await fpm.request(fpm.path('www.sock'), 'said.js')).toMatchObject({ status: 200, body: 'said' });
  const said = /\[WARNING\] \[pool www\] child (\d+) said into stderr: "a line on stderr"$/;
  await receiver.waitUntil('the worker line', (messages) => messages.some((m) => said.test(m)));
  expect(receiver.messages.find((m) => said.test(m))).toMatch(new RegExp(`${header(164)}`));

  // The open syslog socket does not keep the master from exiting.
  expect(await fpm.stop('SIGQUIT')).toBe(0);
  expect(receiver.messages[receiver.messages.length - 1]).toMatch(new RegExp(`${header(165)}\\[NOTICE\\] exiting, bye-bye!$`));
  expect(fpm.all).toEqual([]);
});

test('logs to stderr with one warning when nothing listens on /dev/log', async () => {
  fpm = await FpmUnderTest.start(conf(''), { wrap: privateDevLog(dir, path.join(dir, 'nobody.sock')) });
  expect(fpm.all[0]).toMatch(/WARNING: syslog socket '\/dev\/log' is unavailable \(ENOENT\); logging to stderr$/);
  expect(fpm.all.some((l) => l.endsWith(`NOTICE: fpm is running, pid ${fpm?.proc.pid}`))).toBe(true);
  expect(await fpm.stop('SIGQUIT')).toBe(0);
});
