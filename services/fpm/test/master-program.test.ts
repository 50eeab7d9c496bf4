// An external FastCGI program as a pool's children: php8.2-cgi started with the pool's socket
// on fd 0, serving a PHP page to cgi-fcgi, supervised (a killed one is replaced).
import fs from 'node:fs';
import { eventually, FpmUnderTest } from './master-harness';

const PHP_CGI = ['/usr/bin/php-cgi8.2', '/usr/bin/php-cgi'].find((p) => fs.existsSync(p));

let fpm: FpmUnderTest | undefined;

afterEach(async () => {
  await fpm?.stop();
  fpm = undefined;
});

test('php-cgi children serve a PHP page and are replaced when killed', async () => {
  if (PHP_CGI === undefined) throw new Error('php8.2-cgi is not installed (apt-get install php8.2-cgi)');
  fpm = await FpmUnderTest.start(`[global]
error_log = /dev/stderr
log_level = debug
[php]
listen = @DIR@/php.sock
pm = dynamic
pm.max_children = 2
pm.min_spare_servers = 1
pm.max_spare_servers = 2
pm.max_requests = 100
program = ${PHP_CGI}
env[REDIRECT_STATUS] = 200
`);
  await fpm.waitLine(/WARNING: \[pool php\] pm = dynamic needs request visibility .* running pm.max_children = 2 children as pm = static/);
  const started = [await fpm.waitLine(/\[pool php\] child \d+ started/), await fpm.waitLine(/\[pool php\] child \d+ started/)];
  const res = await eventually(async () => {
    const r = await fpm?.request(fpm.path('php.sock'), 'hello.php');
    return r?.body === 'php says 3' ? r : undefined;
  });
  expect(res.head).toMatch(/Content-type: text\/html/i);
  const victim = Number(/child (\d+) started/.exec(started[0] ?? '')?.[1]);
  process.kill(victim, 'SIGKILL');
  await fpm.waitLine(new RegExp(`WARNING: \\[pool php\\] child ${victim} exited on signal 9 \\(SIGKILL\\)`));
  await fpm.waitLine(/NOTICE: \[pool php\] child \d+ started/);
  expect((await fpm.request(fpm.path('php.sock'), 'hello.php')).body).toBe('php says 3');
});
