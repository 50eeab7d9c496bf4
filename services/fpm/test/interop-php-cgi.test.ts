// Interop: fpm-ts supervising Debian's php8.2-cgi (`program =`, the pool's socket on fd 0)
// serving a PHP page through nginx's fastcgi_pass, as php-fpm would serve it.
import fs from 'node:fs';
import { eventually, FpmUnderTest } from './master-harness';
import { copyHandlers, httpRequest, WebServer } from './fixtures/interop/peers';

const PHP_CGI = ['/usr/bin/php-cgi8.2', '/usr/bin/php-cgi'].find((p) => fs.existsSync(p));

let fpm: FpmUnderTest | undefined;
let nginx: WebServer | undefined;

afterEach(async () => {
  await nginx?.stop();
  await fpm?.stop();
  nginx = undefined;
  fpm = undefined;
});

test('nginx → fpm-ts [php] → php-cgi children: the page runs, a killed child is replaced', async () => {
  if (PHP_CGI === undefined) throw new Error('php8.2-cgi is not installed (apt-get install php8.2-cgi)');
  fpm = await FpmUnderTest.start(`[global]
error_log = /dev/stderr
log_level = debug
[php]
listen = @DIR@/php.sock
pm = static
pm.max_children = 2
program = ${PHP_CGI}
`);
  copyHandlers(fpm.dir);
  const children = [await fpm.waitLine(/\[pool php\] child \d+ started/), await fpm.waitLine(/\[pool php\] child \d+ started/)].map((l) => Number(/child (\d+) started/.exec(l)?.[1]));
  nginx = await WebServer.nginx(
    fpm.dir,
    `  upstream php {
    server unix:${fpm.path('php.sock')};
    keepalive 2;
  }
  server {
    listen unix:@SOCK@;
    root ${fpm.dir};
    location ~ \\.php$ {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      fastcgi_keep_conn on;
      fastcgi_pass php;
    }
  }`,
  );
  for (let i = 0; i < 10; i++) {
    const res = await httpRequest(nginx.socket, 'GET', `/info.php?q=v${i}`);
    expect(res.status).toBe(200);
    expect(res.headers['x-powered-by-test']).toBe('php-cgi');
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toBe(`php 8.2 method=GET q=v${i} sum=42\n`);
  }
  expect((await httpRequest(nginx.socket, 'POST', '/info.php?q=post', 'ignored=1', { 'content-type': 'application/x-www-form-urlencoded' })).body).toBe(
    'php 8.2 method=POST q=post sum=42\n',
  );

  const victim = children[0] as number;
  process.kill(victim, 'SIGKILL');
  await fpm.waitLine(new RegExp(`WARNING: \\[pool php\\] child ${victim} exited on signal 9 \\(SIGKILL\\)`));
  await fpm.waitLine(/NOTICE: \[pool php\] child \d+ started/);
  // nginx may first try a kept-alive connection that the dead child held: it retries elsewhere or answers 502 once.
  const res = await eventually(async () => {
    const r = await httpRequest(nginx?.socket ?? '', 'GET', '/info.php?q=after');
    return r.status === 200 ? r : undefined;
  });
  expect(res.body).toBe('php 8.2 method=GET q=after sum=42\n');
});
