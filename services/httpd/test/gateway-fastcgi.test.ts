// mod_fastcgi (lighttpd 1.4.69 mod_fastcgi.c / gw_backend.c / http_cgi.c) over real sockets:
// httpd-ts in front of Debian's php-fpm 8.2 (GET with a query, a 5 MiB POST echoed as its md5, both
// with the whole body first and streamed, PATH_INFO, a prefix key, fastcgi.map-extensions, a
// header() redirect, a script's own 404, a 3 MiB answer, FastCGI stderr, a backend that dies or is
// not there) and in front of fpm-ts; then lighttpd 1.4.69 on the same config and the same php-fpm,
// compared on the CGI variables PHP sees.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FASTCGI_FIXTURES, type FastcgiPeer, md5, request, startFpmTs, startPhpFpm } from './fastcgi-support';
import { startLighttpd, type RunningLighttpd } from './lighttpd-support';
import { errorLog, startConf, tempDir, until, type RunningServer } from './serve-support';

type Env = Record<string, string>;

let dir = '';
let backend: FastcgiPeer | undefined;
let server: RunningServer | undefined;
let lighttpd: RunningLighttpd | undefined;

afterEach(async () => {
  await server?.stop();
  await lighttpd?.stop();
  await backend?.stop();
  server = undefined;
  lighttpd = undefined;
  backend = undefined;
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** A document root in `dir`/www with the PHP fixtures (and a copy under /stream/ and as .php5). */
function docroot(): string {
  const www = path.join(dir, 'www');
  fs.mkdirSync(path.join(www, 'stream'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'uploads'));
  for (const f of fs.readdirSync(FASTCGI_FIXTURES)) fs.copyFileSync(path.join(FASTCGI_FIXTURES, f), path.join(www, f));
  fs.copyFileSync(path.join(www, 'env.php'), path.join(www, 'stream', 'env.php'));
  fs.copyFileSync(path.join(www, 'big.php'), path.join(www, 'stream', 'big.php'));
  fs.copyFileSync(path.join(www, 'env.php'), path.join(www, 'env.php5'));
  fs.copyFileSync(path.join(www, 'env.php'), path.join(www, 'app.php'));
  return www;
}

/** The config both servers run: extension key, prefix key (check-local disabled), map-extensions. */
function fastcgiLines(www: string, socket: string): string {
  return [
    'server.modules += ( "mod_fastcgi" )',
    `server.document-root = "${www}"`,
    `fastcgi.server = ( ".php" => (( "socket" => "${socket}" )),`,
    `                   "/app.php" => ( "app" => ( "socket" => "${socket}", "check-local" => "disable" )),`,
    `                   ".down" => (( "socket" => "${path.join(dir, 'nobody.sock')}" )) )`,
    'fastcgi.map-extensions = ( ".php5" => ".php" )',
  ].join('\n');
}

async function startHttpd(lines: string, extra = ''): Promise<RunningServer> {
  return startConf(
    ['server.bind = "127.0.0.1"', 'server.port = 0', 'server.errorlog = "@TMP@/error.log"', 'server.upload-dirs = ( "@TMP@/uploads" )', lines, extra, ''].join('\n'),
    dir,
  );
}

const json = (body: Buffer): Env => JSON.parse(body.toString()) as Env;

test('httpd-ts -> php-fpm 8.2: the CGI environment, POST bodies whole and streamed, PATH_INFO, redirects, statuses, stderr, a dead or missing backend', async () => {
  dir = tempDir();
  const www = docroot();
  backend = await startPhpFpm(dir);
  server = await startHttpd(
    fastcgiLines(www, backend.socket),
    '$HTTP["url"] =~ "^/stream/" {\n  server.stream-request-body = 2\n  server.stream-response-body = 2\n}',
  );
  const port = server.port;

  const get = await request(port, 'GET', '/env.php?a=1&b=%20x', undefined, { 'X-Probe': 'p1', Proxy: 'http://evil.example/' });
  expect(get.status).toBe(200);
  expect(get.headers['content-type']).toBe('application/json');
  const env = json(get.body);
  expect(env).toMatchObject({
    QUERY_STRING: 'a=1&b=%20x',
    REQUEST_URI: '/env.php?a=1&b=%20x',
    SCRIPT_NAME: '/env.php',
    SCRIPT_FILENAME: path.join(www, 'env.php'),
    DOCUMENT_ROOT: www,
    REQUEST_METHOD: 'GET',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REDIRECT_STATUS: '200',
    SERVER_ADDR: '127.0.0.1',
    SERVER_NAME: '127.0.0.1',
    SERVER_PORT: String(port),
    REMOTE_ADDR: '127.0.0.1',
    HTTP_X_PROBE: 'p1',
    CONTENT_LENGTH: '0',
  });
  expect(env.SERVER_SOFTWARE).toMatch(/^httpd-ts\//);
  expect(Number(env.REMOTE_PORT)).toBeGreaterThan(0);
  // httpoxy: the client's Proxy: header never becomes HTTP_PROXY
  expect(env.HTTP_PROXY).toBeUndefined();

  // 5 MiB POST: with the defaults the whole body first (temp files), and streamed under /stream/
  const body = crypto.randomBytes(5 * 1024 * 1024);
  for (const target of ['/env.php', '/stream/env.php']) {
    const posted = await request(port, 'POST', target, body, { 'Content-Type': 'application/octet-stream' });
    expect(posted.status).toBe(200);
    expect(json(posted.body)).toMatchObject({ BODY_MD5: md5(body), BODY_LENGTH: String(body.length), CONTENT_LENGTH: String(body.length), CONTENT_TYPE: 'application/octet-stream' });
  }

  const pi = json((await request(port, 'GET', '/env.php/one/two?x')).body);
  expect(pi).toMatchObject({ SCRIPT_NAME: '/env.php', PATH_INFO: '/one/two', PATH_TRANSLATED: path.join(www, 'one/two'), SCRIPT_FILENAME: path.join(www, 'env.php') });

  // a "/prefix" key with check-local disabled: SCRIPT_NAME up to the next slash, the rest PATH_INFO
  const prefixed = json((await request(port, 'GET', '/app.php/x/y?z=1')).body);
  expect(prefixed).toMatchObject({ SCRIPT_NAME: '/app.php', PATH_INFO: '/x/y', SCRIPT_FILENAME: path.join(www, 'app.php'), QUERY_STRING: 'z=1' });
  expect(json((await request(port, 'GET', '/env.php5')).body)).toMatchObject({ SCRIPT_NAME: '/env.php5' });

  const redirect = await request(port, 'GET', '/redirect.php');
  expect(redirect.status).toBe(302);
  expect(redirect.headers.location).toBe('/elsewhere.html?from=php');

  const gone = await request(port, 'GET', '/gone.php');
  expect(gone.status).toBe(404);
  expect(gone.body.toString()).toBe('gone from php\n');

  // check-local (the default): no file, no backend request
  expect((await request(port, 'GET', '/missing.php')).status).toBe(404);

  for (const target of ['/big.php', '/stream/big.php']) {
    const big = await request(port, 'GET', target);
    expect(big.status).toBe(200);
    expect(big.body.length).toBe(3 * 1024 * 1024);
    expect(big.body.every((b, i) => b === (i % 65536) % 251)).toBe(true);
  }

  expect((await request(port, 'GET', '/stderr.php')).body.toString()).toBe('logged\n');
  await until(() => /FastCGI-stderr:.*fastcgi stderr probe/.test(errorLog(dir)));

  // lighttpd answers 500 for a backend that closes without a response, and 503 for one that is not there
  expect((await request(port, 'GET', '/dies.php')).status).toBe(500);
  expect(errorLog(dir)).toMatch(/response not received, request sent: \d+ on socket: unix:\S+php\.sock for \/dies\.php\?, closing connection/);
  fs.writeFileSync(path.join(www, 'x.down'), '');
  expect((await request(port, 'GET', '/x.down')).status).toBe(503);
  expect(errorLog(dir)).toMatch(/establishing connection failed: socket: unix:\S+nobody\.sock: No such file or directory/);
  expect(errorLog(dir)).toMatch(/all handlers for \/x\.down\? on \.down are down\./);

  // the pool still answers after all that
  expect((await request(port, 'GET', '/env.php')).status).toBe(200);
}, 90_000);

test('httpd-ts -> fpm-ts: a JavaScript handler answers GET and POST through mod_fastcgi', async () => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'uploads'));
  fs.copyFileSync(path.join(FASTCGI_FIXTURES, 'hello.js'), path.join(dir, 'hello.js'));
  backend = await startFpmTs(dir);
  server = await startHttpd(['server.modules += ( "mod_fastcgi" )', `server.document-root = "${dir}"`, `fastcgi.server = ( ".js" => (( "socket" => "${backend.socket}" )) )`].join('\n'));
  const get = await request(server.port, 'GET', '/hello.js?q=1');
  expect(get.status).toBe(201);
  expect(get.headers['x-handler']).toBe('hello');
  expect(json(get.body)).toMatchObject({ method: 'GET', query: '?q=1', length: 0, scriptName: '/hello.js' });
  expect(json(get.body).software).toMatch(/^httpd-ts\//);
  const body = crypto.randomBytes(300_000);
  const post = await request(server.port, 'POST', '/hello.js', body, { 'Content-Type': 'application/octet-stream' });
  expect(post.status).toBe(201);
  expect(json(post.body)).toMatchObject({ method: 'POST', length: body.length, md5: md5(body) });
}, 60_000);

test('the CGI variables PHP sees are the same behind httpd-ts and behind lighttpd 1.4.69 on the same config', async () => {
  dir = tempDir();
  const www = docroot();
  backend = await startPhpFpm(dir);
  const lines = fastcgiLines(www, backend.socket);
  server = await startHttpd(lines);
  const ldir = path.join(dir, 'lighttpd');
  fs.mkdirSync(ldir);
  lighttpd = await startLighttpd(lines, ldir);
  // the ports differ by nature, and so does the server's name
  const differ = new Set(['SERVER_SOFTWARE', 'SERVER_PORT', 'REMOTE_PORT', 'HTTP_HOST', 'REQUEST_TIME', 'REQUEST_TIME_FLOAT']);
  const cases: Array<[string, string, Buffer | undefined, Record<string, string>]> = [
    ['GET', '/env.php?a=1&b=%20x&c', undefined, { 'X-Probe': 'p1', 'X-Two-Words': 'a b', Proxy: 'http://evil.example/', Cookie: 'k=v' }],
    ['GET', '/env.php/path/info?x=y', undefined, {}],
    ['GET', '/app.php/x/y?z=1', undefined, {}],
    ['GET', '/env.php5', undefined, {}],
    ['POST', '/env.php', Buffer.from('a=1&b=2'), { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['HEAD', '/env.php', undefined, {}],
  ];
  let compared = 0;
  for (const [method, target, body, headers] of cases) {
    const ours = await request(server.port, method, target, body, headers);
    const theirs = await request(lighttpd.port, method, target, body, headers);
    expect([target, ours.status]).toEqual([target, theirs.status]);
    if (method === 'HEAD') {
      expect(ours.body.length).toBe(0);
      continue;
    }
    const a = json(ours.body);
    const b = json(theirs.body);
    const both = Object.keys(a).filter((k) => k in b && !differ.has(k));
    expect(both.length).toBeGreaterThan(15);
    const mine: Env = {};
    const upstream: Env = {};
    for (const k of both) {
      mine[k] = a[k] as string;
      upstream[k] = b[k] as string;
    }
    expect([target, mine]).toEqual([target, upstream]);
    // keys only one of them sets
    expect([target, Object.keys(a).filter((k) => !(k in b))]).toEqual([target, []]);
    expect([target, Object.keys(b).filter((k) => !(k in a))]).toEqual([target, []]);
    compared++;
  }
  expect(compared).toBe(5);
}, 90_000);
