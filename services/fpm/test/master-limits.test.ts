// Per-pool process settings php-fpm applies to its children: rlimit_files, rlimit_core,
// process.priority, listen.allowed_clients; and chroot, which fpm-ts refuses rather than ignores.
import { freePort } from '@libs/testing';
import { FpmUnderTest } from './master-harness';

let fpm: FpmUnderTest | undefined;
afterEach(async () => {
  await fpm?.stop();
  fpm = undefined;
});

test('rlimit_files, rlimit_core and process.priority reach the children', async () => {
  fpm = await FpmUnderTest.start(`[global]
error_log = /dev/stderr
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 1
rlimit_files = 1234
rlimit_core = 0
process.priority = 7
`);
  const res = await fpm.request(fpm.path('www.sock'), 'limits.js');
  expect(JSON.parse(res.body)).toEqual({ nofile: '1234/1234', core: '0/0', priority: 7 });
});

test('[global] rlimit_files applies to the master and, through it, to the children', async () => {
  fpm = await FpmUnderTest.start(`[global]
error_log = /dev/stderr
rlimit_files = 4321
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 1
`);
  expect(JSON.parse((await fpm.request(fpm.path('www.sock'), 'limits.js')).body)).toMatchObject({ nofile: '4321/4321' });
});

test('listen.allowed_clients drops other addresses with php-fpm\'s log line', async () => {
  const port = await freePort();
  const conf = (allowed: string): string => `[global]
error_log = /dev/stderr
[www]
listen = 127.0.0.1:${port}
listen.allowed_clients = ${allowed}
pm = static
pm.max_children = 1
`;
  fpm = await FpmUnderTest.start(conf('10.9.9.9'));
  const refused = await fpm.request(`127.0.0.1:${port}`, 'hello.mjs');
  expect(refused.body).toBe('');
  await fpm.waitLine(/\[pool www\] Connection disallowed: IP address '127\.0\.0\.1' has been dropped\./);
  await fpm.stop();

  fpm = await FpmUnderTest.start(conf('10.9.9.9, 127.0.0.1'));
  expect((await fpm.request(`127.0.0.1:${port}`, 'hello.mjs')).body).toBe('hello');
});

test('chroot is refused at start-up, naming the pool', async () => {
  fpm = await FpmUnderTest.start(`[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 1
chroot = /srv/jail
`, { waitFor: /FPM initialization failed/ });
  expect(fpm.all.join('\n')).toContain("[pool www] 'chroot' is not supported by fpm-ts");
});
