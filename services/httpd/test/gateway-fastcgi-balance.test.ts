// mod_fastcgi with several backends per key (lighttpd 1.4.69 gw_backend.c gw_host_get,
// gw_proc_connect_error, gw_handle_trigger) over real sockets: two php-fpm 8.2 pools whose page
// prints the pool's name, a unix socket path nothing listens on ("Connection refused"), and a
// FastCGI server that accepts and never reads or answers (read-timeout, write-timeout), and a TCP
// listener whose accept queue is full, so that a connect waits (connect-timeout). Each
// behaviour is run on httpd-ts and on lighttpd 1.4.69 with the same config and compared.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { request, startPhpFpm, type FastcgiPeer } from './fastcgi-support';
import { startLighttpd, type RunningLighttpd } from './lighttpd-support';
import { errorLog, rawExchange, runHttpd, startConf, tempDir, until, type RunningServer } from './serve-support';

let dir = '';
let pools: FastcgiPeer[] = [];
let server: RunningServer | undefined;
let lighttpd: RunningLighttpd | undefined;
let silent: net.Server | undefined;
/** The connections `silent` accepted and holds. */
const held: net.Socket[] = [];
let stuck: ChildProcess | undefined;

afterEach(async () => {
  await server?.stop();
  await lighttpd?.stop();
  for (const p of pools) await p.stop();
  for (const s of held.splice(0)) s.destroy();
  stuck?.kill('SIGKILL');
  stuck = undefined;
  await new Promise<void>((resolve) => (silent === undefined ? resolve() : silent.close(() => resolve())));
  server = undefined;
  lighttpd = undefined;
  silent = undefined;
  pools = [];
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** A document root with pool.php (prints the pool's name) under each of `folders`. */
function docroot(folders: readonly string[]): string {
  const www = path.join(dir, 'www');
  for (const f of ['', ...folders]) {
    fs.mkdirSync(path.join(www, f), { recursive: true });
    fs.writeFileSync(path.join(www, f, 'pool.php'), '<?php echo getenv("POOL");\n');
  }
  for (let i = 0; i < 16; i++) fs.copyFileSync(path.join(www, 'pool.php'), path.join(www, `p${i}.php`));
  return www;
}

/** php-fpm pools "a" and "b", each in its own folder; their sockets. */
async function twoPools(): Promise<[string, string]> {
  for (const name of ['a', 'b']) {
    fs.mkdirSync(path.join(dir, name));
    pools.push(await startPhpFpm(path.join(dir, name), 1, name));
  }
  return [(pools[0] as FastcgiPeer).socket, (pools[1] as FastcgiPeer).socket];
}

/** httpd-ts and lighttpd on the same lines. */
async function startBoth(lines: string): Promise<void> {
  fs.mkdirSync(path.join(dir, 'uploads'));
  server = await startConf(['server.bind = "127.0.0.1"', 'server.port = 0', 'server.errorlog = "@TMP@/error.log"', 'server.upload-dirs = ( "@TMP@/uploads" )', lines, ''].join('\n'), dir);
  const ldir = path.join(dir, 'lighttpd');
  fs.mkdirSync(ldir);
  lighttpd = await startLighttpd(`server.upload-dirs = ( "${path.join(dir, 'uploads')}" )\n${lines}`, ldir);
}

/** The error log's messages without the timestamp (and lighttpd's "(file.c.line)"). */
function messages(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d: (\([\w.-]+\.c\.\d+\) )?/, ''));
}
const ours = (): string[] => messages(errorLog(dir));
const theirs = (): string[] => {
  const log = path.join(dir, 'lighttpd', 'lighttpd-error.log');
  return messages(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '');
};
const count = (lines: string[], line: string): number => lines.filter((l) => l === line).length;

/** Answers to `targets` one after the other: "status body". */
async function answers(port: number, targets: readonly string[], headers: Record<string, string> = {}): Promise<string[]> {
  const out: string[] = [];
  for (const t of targets) {
    const a = await request(port, 'GET', t, undefined, headers);
    out.push(`${a.status} ${a.status === 200 ? a.body.toString() : ''}`.trim());
  }
  return out;
}

const hosts = (sockets: readonly string[], extra = ''): string => `( ${sockets.map((s, i) => `"h${i}" => ( "socket" => "${s}"${extra} )`).join(', ')} )`;

test('fastcgi.balance: round-robin, hash, sticky and fair send each request to the same php-fpm pool as lighttpd 1.4.69 does', async () => {
  dir = tempDir();
  const www = docroot(['rr', 'rrapp', 'sticky', 'fair']);
  const both = await twoPools();
  await startBoth(
    [
      'server.modules += ( "mod_fastcgi" )',
      `server.document-root = "${www}"`,
      `fastcgi.server = ( "/rrapp/" => ${hosts(both, ', "check-local" => "disable"')}, ".php" => ${hosts(both)} )`,
      '$HTTP["url"] =~ "^/rr" { fastcgi.balance = "round-robin" }',
      '$HTTP["url"] =~ "^/p[0-9]" { fastcgi.balance = "hash" }',
      '$HTTP["url"] =~ "^/sticky/" { fastcgi.balance = "sticky" }',
      '$HTTP["url"] =~ "^/fair/" { fastcgi.balance = "fair" }',
    ].join('\n'),
  );
  const runs: Array<[string, string[], Record<string, string>]> = [
    // one election per request (check-local disabled): a, b, a, b ...
    ['round-robin, prefix key', Array<string>(6).fill('/rrapp/pool.php'), {}],
    // check-local enabled: lighttpd elects in uri_clean and again in subrequest_start
    ['round-robin, extension key', Array<string>(6).fill('/rr/pool.php'), {}],
    // by URL path and authority (the Host header, the same for both servers)
    ['hash', Array.from({ length: 16 }, (_, i) => `/p${i}.php`), { Host: 'balance.test' }],
    ['sticky', Array<string>(4).fill('/sticky/pool.php'), {}],
    ['fair', Array<string>(4).fill('/fair/pool.php'), {}],
  ];
  const got = new Map<string, string[]>();
  for (const [name, targets, headers] of runs) {
    const mine = await answers((server as RunningServer).port, targets, headers);
    const upstream = await answers((lighttpd as RunningLighttpd).port, targets, headers);
    expect([name, mine]).toEqual([name, upstream]);
    got.set(name, mine);
  }
  expect(got.get('round-robin, prefix key')).toEqual(['200 a', '200 b', '200 a', '200 b', '200 a', '200 b']);
  // the same path always to the same pool, and the paths spread over both
  const hashed = got.get('hash') as string[];
  expect(new Set(hashed)).toEqual(new Set(['200 a', '200 b']));
  expect(await answers((server as RunningServer).port, ['/p3.php', '/p3.php'], { Host: 'balance.test' })).toEqual([hashed[3], hashed[3]]);
  expect(new Set(got.get('sticky')).size).toBe(1);
  // nothing in flight: the first backend has the least load every time
  expect(got.get('fair')).toEqual(['200 a', '200 a', '200 a', '200 a']);
}, 60_000);

test('a backend that refuses is disabled for disable-time, the request goes to another, the trigger re-enables it; all down is 503, with lighttpd 1.4.69 log lines', async () => {
  dir = tempDir();
  const www = docroot(['app', 'down']);
  const [a] = await twoPools();
  // a path nothing listens on: connect() says ECONNREFUSED
  const refused = path.join(dir, 'refused.sock');
  const refused2 = path.join(dir, 'refused2.sock');
  fs.writeFileSync(refused, '');
  fs.writeFileSync(refused2, '');
  await startBoth(
    [
      'server.modules += ( "mod_fastcgi" )',
      `server.document-root = "${www}"`,
      'fastcgi.balance = "round-robin"',
      `fastcgi.server = ( "/app/" => ${hosts([refused, a], ', "check-local" => "disable", "disable-time" => 1')},`,
      `                   "/down/" => ${hosts([refused, refused2], ', "check-local" => "disable"')} )`,
    ].join('\n'),
  );
  const refusedLine = `establishing connection failed: socket: unix:${refused}: Connection refused`;
  const reEnabled = `gw-server re-enabled: unix:${refused}  0 ${refused}`;
  for (const [port, log] of [
    [(server as RunningServer).port, ours],
    [(lighttpd as RunningLighttpd).port, theirs],
  ] as const) {
    // the first request meets the refusing backend and is sent on to "a"; the next ones skip it
    expect(await answers(port, ['/app/pool.php', '/app/pool.php', '/app/pool.php'])).toEqual(['200 a', '200 a', '200 a']);
    expect(count(log(), refusedLine)).toBe(1);
    // the 1-second trigger puts it back after disable-time; then it refuses again
    await until(() => log().includes(reEnabled), 6000);
    expect(await answers(port, ['/app/pool.php'])).toEqual(['200 a']);
    expect(count(log(), refusedLine)).toBe(2);
    // every backend of the key refuses: 503, the "all handlers" line once while they stay down
    expect(await answers(port, ['/down/pool.php?q=1', '/down/pool.php?q=2'])).toEqual(['503', '503']);
    expect(count(log(), 'all handlers for /down/pool.php?q=1 on /down/ are down.')).toBe(1);
    expect(log().some((l) => l.startsWith('all handlers for /down/pool.php?q=2'))).toBe(false);
  }
}, 60_000);

test('read-timeout and write-timeout end a request to a backend that never answers or never reads with 504, as lighttpd 1.4.69', async () => {
  dir = tempDir();
  const www = docroot(['slow', 'upload']);
  // accepts, then neither reads nor answers
  const quiet = path.join(dir, 'quiet.sock');
  silent = net.createServer({ pauseOnConnect: true }, (s) => held.push(s));
  await new Promise<void>((resolve) => (silent as net.Server).listen(quiet, resolve));
  await startBoth(
    [
      'server.modules += ( "mod_fastcgi" )',
      `server.document-root = "${www}"`,
      `fastcgi.server = ( "/slow/" => (( "socket" => "${quiet}", "check-local" => "disable", "read-timeout" => 1 )),`,
      `                   "/upload/" => (( "socket" => "${quiet}", "check-local" => "disable", "write-timeout" => 1 )) )`,
    ].join('\n'),
  );
  const body = Buffer.alloc(8 * 1024 * 1024, 'x');
  for (const [port, log] of [
    [(server as RunningServer).port, ours],
    [(lighttpd as RunningLighttpd).port, theirs],
  ] as const) {
    const t0 = Date.now();
    expect((await request(port, 'GET', '/slow/pool.php')).status).toBe(504);
    // checked once a second: more than 1 s without a byte, at most about 3
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(log().some((l) => l.startsWith(`read timeout on socket: unix:${quiet} (fd: `))).toBe(true);
    expect((await request(port, 'POST', '/upload/pool.php', body)).status).toBe(504);
    expect(log().some((l) => l.startsWith(`write timeout on socket: unix:${quiet} (fd: `))).toBe(true);
  }
}, 60_000);

test('fastcgi.balance outside lighttpd\'s words and backend keys still not built stop the start', async () => {
  dir = tempDir();
  const conf = path.join(dir, 'httpd.conf');
  const base = ['server.port = 8080', `server.document-root = "${dir}"`, 'server.modules += ( "mod_fastcgi" )'];
  fs.writeFileSync(conf, [...base, 'fastcgi.balance = "random"', `fastcgi.server = ( ".php" => (( "socket" => "${dir}/a.sock" )) )`, ''].join('\n'));
  const balance = await runHttpd(['-tt', '-f', conf]);
  expect(balance.code).not.toBe(0);
  expect(balance.stderr + balance.stdout).toMatch(/fastcgi\.balance.*round-robin, hash, sticky, but not: random/);
  fs.writeFileSync(conf, [...base, `fastcgi.server = ( ".php" => (( "socket" => "${dir}/a.sock", "tcp-fin-propagate" => "enable" )) )`, ''].join('\n'));
  const unbuilt = await runHttpd(['-tt', '-f', conf]);
  expect(unbuilt.code).not.toBe(0);
  expect(unbuilt.stderr + unbuilt.stdout).toMatch(/"tcp-fin-propagate", which is not available/);
});

/**
 * A TCP port whose listener never accepts (a Node process blocked right after listen with a backlog
 * of 1) and whose accept queue is already full: a connect to it waits (the SYN is dropped).
 */
async function fullPort(): Promise<number> {
  const code =
    "const s = require('net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {" +
    "  process.stdout.write(s.address().port + '\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); });";
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  stuck = child;
  const port = await new Promise<number>((resolve) => child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  for (let i = 0; i < 3; i++) {
    const filler = net.connect(port, '127.0.0.1');
    filler.on('error', () => undefined);
    held.push(filler);
  }
  await new Promise((r) => setTimeout(r, 200));
  return port;
}

test('connect-timeout: a backend that does not accept the connection in time is disabled and the request retried once on another, else 503, as lighttpd 1.4.69', async () => {
  dir = tempDir();
  const www = docroot(['ct', 'ctonly']);
  const [a] = await twoPools();
  const port = await fullPort();
  const hang = `"host" => "127.0.0.1", "port" => ${port}, "check-local" => "disable", "connect-timeout" => 1`;
  await startBoth(
    [
      'server.modules += ( "mod_fastcgi" )',
      `server.document-root = "${www}"`,
      'fastcgi.balance = "round-robin"',
      `fastcgi.server = ( "/ct/" => ( "h0" => ( ${hang} ), "h1" => ( "socket" => "${a}", "check-local" => "disable" ) ),`,
      `                   "/ctonly/" => ( "h0" => ( ${hang} ) ) )`,
    ].join('\n'),
  );
  const timedOut = `establishing connection failed: socket: tcp:127.0.0.1:${port}: Connection timed out`;
  for (const [p, log] of [
    [(server as RunningServer).port, ours],
    [(lighttpd as RunningLighttpd).port, theirs],
  ] as const) {
    const t0 = Date.now();
    // round-robin elects the waiting backend first: after connect-timeout the request goes to "a"
    expect(await answers(p, ['/ct/pool.php'])).toEqual(['200 a']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(count(log(), timedOut)).toBe(1);
    // disabled now: straight to "a"
    const t1 = Date.now();
    expect(await answers(p, ['/ct/pool.php'])).toEqual(['200 a']);
    expect(Date.now() - t1).toBeLessThan(1000);
    // no other backend: one more election finds none up
    expect(await answers(p, ['/ctonly/pool.php'])).toEqual(['503']);
    expect(count(log(), timedOut)).toBe(2);
    expect(count(log(), 'all handlers for /ctonly/pool.php? on /ctonly/ are down.')).toBe(1);
  }
}, 60_000);

test('read-timeout after the head went out cuts the connection: the client sees the head and part of the body, no end, as lighttpd 1.4.69', async () => {
  dir = tempDir();
  const www = docroot(['stall']);
  // answers the head and the start of a body on FCGI_STDOUT (request id 1), then nothing more
  const stall = path.join(dir, 'stall.sock');
  const head = Buffer.from('Status: 200\r\nContent-Type: text/plain\r\n\r\npartial-body');
  const record = Buffer.concat([Buffer.from([1, 6, 0, 1, head.length >> 8, head.length & 0xff, 0, 0]), head]);
  silent = net.createServer((s) => {
    held.push(s);
    s.once('data', () => s.write(record));
  });
  await new Promise<void>((resolve) => (silent as net.Server).listen(stall, resolve));
  await startBoth(
    [
      'server.modules += ( "mod_fastcgi" )',
      `server.document-root = "${www}"`,
      'server.stream-response-body = 2',
      `fastcgi.server = ( "/stall/" => (( "socket" => "${stall}", "check-local" => "disable", "read-timeout" => 1 )) )`,
    ].join('\n'),
  );
  for (const [port, log] of [
    [(server as RunningServer).port, ours],
    [(lighttpd as RunningLighttpd).port, theirs],
  ] as const) {
    const t0 = Date.now();
    const got = (await rawExchange(port, 'GET /stall/x HTTP/1.1\r\nHost: t\r\n\r\n', { timeoutMs: 6000 })).toString('latin1');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(got).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(got).toContain('partial-body');
    // chunked, and cut: no last chunk
    expect(got).toMatch(/Transfer-Encoding: chunked/i);
    expect(got.endsWith('0\r\n\r\n')).toBe(false);
    await until(() => log().some((l) => l.startsWith(`read timeout on socket: unix:${stall} (fd: `)));
  }
}, 60_000);
