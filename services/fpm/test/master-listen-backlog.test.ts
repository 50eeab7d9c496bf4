// listen.backlog as php-fpm 8.2 applies it on Linux: default -1, which listen(2) turns into the
// kernel's maximum (net.core.somaxconn); a configured value is used as given. The listening
// socket's backlog is read back with ss(8), as an operator would.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { FpmUnderTest } from './master-harness';

let fpm: FpmUnderTest | undefined;

afterEach(async () => {
  await fpm?.stop();
  fpm = undefined;
});

const conf = (extra = ''): string => `[global]
error_log = /dev/stderr
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 1
${extra}
`;

/** Send-Q of a listening unix socket: its backlog. */
function backlogOf(socketPath: string): number {
  const line = execFileSync('ss', ['-Hlx', 'src', socketPath], { encoding: 'utf8' }).trim();
  const sendQ = line.split(/\s+/)[3];
  if (sendQ === undefined) throw new Error(`ss shows no listening socket at ${socketPath}: ${line}`);
  return Number(sendQ);
}

test("without listen.backlog the pool's socket gets the kernel's maximum backlog (php-fpm's -1)", async () => {
  const somaxconn = Number(fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  fpm = await FpmUnderTest.start(conf());
  expect((await fpm.request(fpm.path('www.sock'), 'hello.mjs')).body).toBe('hello');
  expect(backlogOf(fpm.path('www.sock'))).toBe(somaxconn);
});

test('listen.backlog is honoured', async () => {
  fpm = await FpmUnderTest.start(conf('listen.backlog = 37'));
  expect((await fpm.request(fpm.path('www.sock'), 'hello.mjs')).body).toBe('hello');
  expect(backlogOf(fpm.path('www.sock'))).toBe(37);
});

test('an ondemand pool, whose master accepts, listens with the same backlog', async () => {
  const somaxconn = Number(fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  fpm = await FpmUnderTest.start(conf().replace('pm = static', 'pm = ondemand'));
  expect((await fpm.request(fpm.path('www.sock'), 'hello.mjs')).body).toBe('hello');
  expect(backlogOf(fpm.path('www.sock'))).toBe(somaxconn);
});
