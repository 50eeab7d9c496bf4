// Interop: Debian's nginx 1.22 `fastcgi_pass` → fpm-ts over a unix socket, with an upstream
// `keepalive` pool and `fastcgi_keep_conn on` (FCGI_KEEP_CONN), as sites run php-fpm behind nginx.
import net from 'node:net';
import { FpmUnderTest } from './master-harness';
import { CountingProxy, copyHandlers, httpRequest, WebServer } from './fixtures/interop/peers';

let fpm: FpmUnderTest | undefined;
let nginx: WebServer | undefined;
let proxy: CountingProxy | undefined;

afterEach(async () => {
  await nginx?.stop();
  await proxy?.close();
  await fpm?.stop();
  nginx = undefined;
  proxy = undefined;
  fpm = undefined;
});

/** nginx → (counting proxy) → fpm-ts [www]; the document root is fpm-ts's temp dir with the handlers. */
async function start(extra = ''): Promise<{ fpm: FpmUnderTest; nginx: WebServer; proxy: CountingProxy }> {
  fpm = await FpmUnderTest.start(`[global]
error_log = /dev/stderr
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 2
pm.status_path = /fpm-status
catch_workers_output = yes
${extra}`);
  copyHandlers(fpm.dir);
  proxy = await CountingProxy.listen(fpm.path('proxy.sock'), fpm.path('www.sock'));
  nginx = await WebServer.nginx(
    fpm.dir,
    `  upstream fpm {
    server unix:${proxy.socket};
    keepalive 4;
  }
  server {
    listen unix:@SOCK@;
    root ${fpm.dir};
    location ~ \\.js$ {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      fastcgi_param HTTP_X_PROBE $http_x_probe;
      fastcgi_keep_conn on;
      fastcgi_pass fpm;
    }
    location = /fpm-status {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME /fpm-status;
      fastcgi_keep_conn on;
      fastcgi_pass fpm;
    }
  }`,
  );
  return { fpm, nginx, proxy };
}

test('many requests share a few kept-alive FastCGI connections; status and headers pass through', async () => {
  const { fpm, nginx, proxy } = await start();
  const requests = 60;
  for (let i = 0; i < requests; i++) {
    const res = await httpRequest(nginx.socket, 'GET', `/echo.js?i=${i}`, undefined, { 'x-probe': `p${i}` });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { query: string; params: Record<string, string | null> };
    expect(body.query).toBe(`?i=${i}`);
    expect(body.params.HTTP_X_PROBE).toBe(`p${i}`);
    expect(body.params.SERVER_SOFTWARE).toMatch(/^nginx\//);
    expect(body.params.SCRIPT_FILENAME).toBe(fpm.path('echo.js'));
  }
  // Sequential requests through nginx's keepalive pool: one connection, reused (a couple at most).
  expect(proxy.connections).toBeGreaterThanOrEqual(1);
  expect(proxy.connections).toBeLessThanOrEqual(2);

  const created = await httpRequest(nginx.socket, 'GET', '/echo.js?status=201');
  expect(created.status).toBe(201);
  expect(created.headers['x-handler']).toBe('echo');
  expect(created.headers['content-type']).toBe('application/json');
  expect(created.headers['set-cookie']).toEqual(['interop=1; Path=/']);
  expect((await httpRequest(nginx.socket, 'GET', '/echo.js?status=404')).status).toBe(404);

  // fpm-ts's own count agrees: more requests served than the connections nginx opened.
  const status = JSON.parse((await httpRequest(nginx.socket, 'GET', '/fpm-status?json')).body) as Record<string, unknown>;
  expect(status.pool).toBe('www');
  expect(Number(status['accepted conn'])).toBeGreaterThanOrEqual(requests + 2);
  expect(proxy.connections).toBeLessThanOrEqual(2);
});

test('a POST body reaches the handler through nginx (in memory and spooled to a temp file)', async () => {
  const { nginx } = await start();
  for (const size of [1_000, 200_000]) {
    const body = 'a=' + 'z'.repeat(size);
    const res = await httpRequest(nginx.socket, 'POST', '/echo.js', body, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(200);
    const echoed = JSON.parse(res.body) as { method: string; body: string; params: Record<string, string | null> };
    expect(echoed.method).toBe('POST');
    expect(echoed.params.CONTENT_LENGTH).toBe(String(body.length));
    expect(echoed.params.CONTENT_TYPE).toBe('application/x-www-form-urlencoded');
    expect(echoed.body).toBe(body);
  }
});

test('a handler that throws gives nginx a 500, and nginx logs what fpm-ts wrote on FastCGI stderr', async () => {
  const { fpm, nginx } = await start();
  const res = await httpRequest(nginx.socket, 'GET', '/throws.js');
  expect(res.status).toBe(500);
  await fpm.waitLine(/interop handler exploded/);
  // The pool survives: the next request on the same kept-alive connection is served.
  expect((await httpRequest(nginx.socket, 'GET', '/echo.js')).status).toBe(200);
  expect(nginx.errorLogText()).toMatch(/FastCGI sent in stderr: ".*interop handler exploded/);
});

test('a request ended by request_terminate_timeout is a 502 for nginx, as with php-fpm', async () => {
  const { fpm, nginx } = await start('request_terminate_timeout = 1s\n');
  expect((await httpRequest(nginx.socket, 'GET', '/echo.js')).status).toBe(200);
  const stuck = await httpRequest(nginx.socket, 'GET', '/stuck.js');
  expect(stuck.status).toBe(502);
  await fpm.waitLine(/script '.*stuck\.js' \(request: "GET \/stuck\.js"\) execution timed out/);
  expect(nginx.errorLogText()).toMatch(/upstream prematurely closed FastCGI stdout/);
  expect((await httpRequest(nginx.socket, 'GET', '/echo.js')).status).toBe(200);
});

test('header bytes outside Latin-1 reach the handler byte for byte, with and without a body (php-fpm answers 200)', async () => {
  const { nginx } = await start();
  // "X-Name: 日本" in UTF-8, and a cookie with the raw byte 0xE9 (not UTF-8): written as bytes,
  // since Node's HTTP client would send its own encoding of them.
  const xName = Buffer.from('日本');
  const cookie = Buffer.from('name=caf\xe9', 'latin1');
  for (const body of ['abc', null]) {
    const head = Buffer.concat([
      Buffer.from(`${body === null ? 'GET' : 'POST'} /echo.js HTTP/1.0\r\nHost: interop.test\r\nX-Name: `),
      xName,
      Buffer.from('\r\nCookie: '),
      cookie,
      Buffer.from(body === null ? '\r\n\r\n' : `\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
    ]);
    const answer = await rawHttp(nginx.socket, head);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    const echoed = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { body: string; headers: Record<string, string | null> };
    expect(echoed.body).toBe(body ?? '');
    // The Fetch API's ByteString: one char per byte.
    expect(echoed.headers).toEqual({ 'x-name': xName.toString('latin1'), cookie: cookie.toString('latin1') });
  }
});

/** One HTTP/1.0 exchange over a unix socket with the exact bytes given; the answer as UTF-8. */
function rawHttp(socketPath: string, request: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // Written, not ended: nginx takes a client that closes its side as gone (499).
    const socket = net.connect(socketPath, () => socket.write(request));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
