// mod_scgi (lighttpd 1.4.69 mod_scgi.c / gw_backend.c) over real sockets: httpd-ts and lighttpd
// 1.4.69 on the same config in front of one SCGI/uwsgi application server in this test (TCP and a
// unix socket), which records the raw bytes of every request it receives and answers a CGI
// response. What the backend receives must be the same from both servers, byte for byte, apart
// from the ports (SERVER_PORT, REMOTE_PORT); the clients must get the same answers, and scgi.debug
// must log the same lines.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type HttpAnswer, md5, request } from './fastcgi-support';
import { startLighttpd, type RunningLighttpd } from './lighttpd-support';
import { errorLog, runHttpd, startConf, tempDir, type RunningServer } from './serve-support';

let dir = '';
let server: RunningServer | undefined;
let lighttpd: RunningLighttpd | undefined;
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await server?.stop();
  await lighttpd?.stop();
  for (const close of closers.splice(0)) await close();
  server = undefined;
  lighttpd = undefined;
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** A body whose every byte says where it is. */
const pattern = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_v, i) => (i * 7) % 251));

/** One request as the backend decoded it from the raw bytes (the framing checked on the way). */
interface Received {
  readonly protocol: 'scgi' | 'uwsgi';
  /** The environment in the order sent. */
  readonly env: Array<[string, string]>;
  readonly body: Buffer;
}

/**
 * Decodes one SCGI or uwsgi request from the bytes so far: null while incomplete; throws on a
 * framing error (a wrong netstring length, no comma, a size that does not add up).
 */
function decode(raw: Buffer): Received | null {
  let pairs: Array<[string, string]>;
  let rest: Buffer;
  let protocol: Received['protocol'];
  if (raw.length === 0) return null;
  if (raw[0] === 0) {
    protocol = 'uwsgi';
    if (raw.length < 4) return null;
    if (raw[3] !== 0) throw new Error('uwsgi modifier2 is not 0');
    const size = raw.readUInt16LE(1);
    if (raw.length < 4 + size) return null;
    pairs = [];
    let at = 4;
    while (at < 4 + size) {
      const n = raw.readUInt16LE(at);
      const name = raw.toString('latin1', at + 2, at + 2 + n);
      at += 2 + n;
      const v = raw.readUInt16LE(at);
      pairs.push([name, raw.toString('latin1', at + 2, at + 2 + v)]);
      at += 2 + v;
    }
    if (at !== 4 + size) throw new Error('uwsgi pairs overrun the packet size');
    rest = raw.subarray(4 + size);
  } else {
    protocol = 'scgi';
    const colon = raw.indexOf(0x3a);
    if (colon === -1) return null;
    const len = Number(raw.toString('latin1', 0, colon));
    if (!/^\d+$/.test(raw.toString('latin1', 0, colon))) throw new Error('not a netstring');
    if (raw.length < colon + 1 + len + 1) return null;
    if (raw[colon + 1 + len] !== 0x2c) throw new Error('netstring without its comma');
    const fields = raw.toString('latin1', colon + 1, colon + 1 + len).split('\0');
    if (fields.pop() !== '' || fields.length % 2 !== 0) throw new Error('pairs are not NUL-terminated');
    pairs = [];
    for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i] as string, fields[i + 1] as string]);
    rest = raw.subarray(colon + 1 + len + 1);
  }
  const length = Number(pairs.find(([n]) => n === 'CONTENT_LENGTH')?.[1] ?? 'NaN');
  if (rest.length < length) return null;
  return { protocol, env: pairs, body: rest.subarray(0, length) };
}

/** The application server: answers by REQUEST_URI, records what it received, closes after each answer. */
async function startBackend(listen: { port: number; host: string } | { path: string }): Promise<{ received: Received[]; port: number }> {
  const received: Received[] = [];
  const srv = net.createServer((sock) => {
    let raw = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      raw = Buffer.concat([raw, d]);
      const req = decode(raw);
      if (req === null) return;
      received.push(req);
      const env = new Map(req.env);
      const uri = env.get('REQUEST_URI') ?? '';
      if (uri.includes('big')) {
        sock.write('Status: 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n');
        sock.end(pattern(1024 * 1024));
      } else if (uri.includes('notfound')) {
        sock.end('Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnot here\n');
      } else if (uri.includes('moved')) {
        sock.end('Location: http://example.test/elsewhere\r\n\r\n');
      } else {
        sock.end(`Status: 200 OK\r\nContent-Type: text/plain\r\nX-Protocol: ${req.protocol}\r\n\r\n${env.get('REQUEST_METHOD') ?? ''} ${uri} ${req.body.length} ${md5(req.body)}\n`);
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => ('path' in listen ? srv.listen(listen.path, resolve) : srv.listen(listen.port, listen.host, resolve)));
  closers.push(() => new Promise((resolve) => srv.close(() => resolve())));
  const address = srv.address();
  return { received, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

/** The environment with the values that differ between two servers on different ports masked. */
const masked = (r: Received): Array<[string, string]> => r.env.map(([n, v]) => [n, n === 'SERVER_PORT' || n === 'REMOTE_PORT' ? '<port>' : v]);

test('what an SCGI and a uwsgi backend receive, and what the client gets, are the same behind httpd-ts and behind lighttpd 1.4.69', async () => {
  dir = tempDir();
  const www = path.join(dir, 'www');
  fs.mkdirSync(path.join(www, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(www, 'page.scgi'), '');
  fs.writeFileSync(path.join(www, 'sub', 'index.scgi'), '');
  const tcp = await startBackend({ port: 0, host: '127.0.0.1' });
  const socketPath = path.join(dir, 'app.sock');
  const unix = await startBackend({ path: socketPath });
  const lines = [
    'server.modules += ( "mod_scgi" )',
    `server.document-root = "${www}"`,
    // SERVER_SOFTWARE then differs in nothing
    'server.tag = "scgi-test"',
    'index-file.names = ( "index.scgi" )',
    'scgi.server = (',
    `  "/app" => ( "app" => ( "host" => "127.0.0.1", "port" => ${tcp.port}, "check-local" => "disable" ) ),`,
    `  "/uw/" => ( "uw" => ( "socket" => "${socketPath}", "check-local" => "disable" ) ),`,
    `  "/remote/" => ( "remote" => ( "socket" => "${socketPath}", "check-local" => "disable", "docroot" => "/srv/elsewhere", "strip-request-uri" => "/remote" ) ),`,
    `  ".scgi" => ( ( "socket" => "${socketPath}" ) )`,
    ')',
    'scgi.map-extensions = ( ".sc" => ".scgi" )',
    '$HTTP["url"] =~ "^/uw/" { scgi.protocol = "uwsgi" }',
    'scgi.debug = 1',
  ].join('\n');
  fs.mkdirSync(path.join(dir, 'uploads'));
  server = await startConf(['server.bind = "127.0.0.1"', 'server.port = 0', 'server.errorlog = "@TMP@/error.log"', 'server.upload-dirs = ( "@TMP@/uploads" )', lines, ''].join('\n'), dir);
  const ldir = path.join(dir, 'lighttpd');
  fs.mkdirSync(ldir);
  lighttpd = await startLighttpd(`server.upload-dirs = ( "${path.join(dir, 'uploads')}" )\n${lines}`, ldir);

  const body = pattern(200_000);
  const headers = { Host: 'scgi.test', 'X-Probe': 'p1', Proxy: 'http://evil.example/', Cookie: 'a=1', 'Accept-Language': 'en' };
  const cases: Array<[string, string, Buffer | undefined, Record<string, string>]> = [
    ['GET', '/app/sub/path?x=1&y=%20', undefined, headers],
    ['GET', '/app', undefined, { Host: 'scgi.test' }],
    ['POST', '/app/form', body, { Host: 'scgi.test', 'Content-Type': 'application/octet-stream' }],
    ['POST', '/app/chunked', body, { Host: 'scgi.test', 'Transfer-Encoding': 'chunked' }],
    ['GET', '/app/notfound', undefined, { Host: 'scgi.test' }],
    ['GET', '/app/moved', undefined, { Host: 'scgi.test' }],
    ['GET', '/app/big', undefined, { Host: 'scgi.test' }],
    ['GET', '/uw/x/y?q=2', undefined, headers],
    ['POST', '/uw/form', body, { Host: 'scgi.test', 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['HEAD', '/uw/head', undefined, { Host: 'scgi.test' }],
    ['GET', '/remote/a/b?c', undefined, { Host: 'scgi.test' }],
    ['GET', '/page.scgi/extra/info', undefined, { Host: 'scgi.test' }],
    ['GET', '/sub/', undefined, { Host: 'scgi.test' }],
    ['GET', '/page.sc', undefined, { Host: 'scgi.test' }],
    // check-local: no such file, no backend request
    ['GET', '/missing.scgi', undefined, { Host: 'scgi.test' }],
  ];
  const seen = (a: HttpAnswer): unknown[] => [a.status, a.headers['content-type'], a.headers['x-protocol'], a.headers.location, a.status < 500 ? md5(a.body) : ''];
  for (const [method, target, reqBody, reqHeaders] of cases) {
    const label = `${method} ${target}`;
    const before = tcp.received.length + unix.received.length;
    const ours = await request(server.port, method, target, reqBody, reqHeaders);
    const oursReceived = [...tcp.received, ...unix.received].slice(before);
    const mid = tcp.received.length + unix.received.length;
    const theirs = await request(lighttpd.port, method, target, reqBody, reqHeaders);
    const theirsReceived = [...tcp.received, ...unix.received].slice(mid);
    expect([label, ...seen(ours)]).toEqual([label, ...seen(theirs)]);
    expect([label, oursReceived.length]).toEqual([label, theirsReceived.length]);
    for (const [i, mine] of oursReceived.entries()) {
      const upstream = theirsReceived[i] as Received;
      expect([label, mine.protocol, masked(mine)]).toEqual([label, upstream.protocol, masked(upstream)]);
      expect([label, md5(mine.body)]).toEqual([label, md5(upstream.body)]);
    }
  }
  // what the cases above must have exercised
  const all = [...tcp.received, ...unix.received];
  expect(new Set(all.map((r) => r.protocol))).toEqual(new Set(['scgi', 'uwsgi']));
  for (const r of all) {
    expect(r.env[0]?.[0]).toBe('CONTENT_LENGTH');
    if (r.protocol === 'scgi') expect(r.env[r.env.length - 1]).toEqual(['SCGI', '1']);
    // httpoxy
    expect(r.env.find(([n]) => n === 'HTTP_PROXY')).toBeUndefined();
  }
  // scgi.debug: the same gw_backend.c lines for every election, connection and release
  const debugLines = (log: string): string[] =>
    log
      .split('\n')
      .map((l) => l.replace(/^\S+ \S+ (\(\S+\) )?/, ''))
      .filter((l) => /^(gw - found a host|got proc|released proc)/.test(l));
  const ourDebug = debugLines(errorLog(dir));
  expect(ourDebug).toEqual(debugLines(fs.readFileSync(path.join(ldir, 'lighttpd-error.log'), 'utf8')));
  expect(ourDebug).toContain(`got proc: pid: 0 socket: tcp:127.0.0.1:${tcp.port} load: 1`);
  expect(ourDebug).toContain(`released proc: pid: 0 socket: unix:${socketPath} load: 0`);
  const big = await request(server.port, 'GET', '/app/big', undefined, { Host: 'scgi.test' });
  expect([big.body.length, md5(big.body)]).toEqual([1024 * 1024, md5(pattern(1024 * 1024))]);
  expect(errorLog(dir)).not.toMatch(/not available/);
}, 60_000);

test('an SCGI backend that refuses is 503 with lighttpd 1.4.69 log lines; scgi.protocol outside "scgi"/"uwsgi" stops the start', async () => {
  dir = tempDir();
  const refused = path.join(dir, 'refused.sock');
  fs.writeFileSync(refused, '');
  const lines = ['server.modules += ( "mod_scgi" )', `server.document-root = "${dir}"`, `scgi.server = ( "/down/" => ( "down" => ( "socket" => "${refused}", "check-local" => "disable" ) ) )`].join('\n');
  server = await startConf(['server.bind = "127.0.0.1"', 'server.port = 0', 'server.errorlog = "@TMP@/error.log"', lines, ''].join('\n'), dir);
  const ldir = path.join(dir, 'lighttpd');
  fs.mkdirSync(ldir);
  lighttpd = await startLighttpd(lines, ldir);
  expect((await request(server.port, 'GET', '/down/x?y')).status).toBe(503);
  expect((await request(lighttpd.port, 'GET', '/down/x?y')).status).toBe(503);
  const strip = (log: string): string[] =>
    log
      .split('\n')
      .filter((l) => l !== '' && !/server (started|listening|stopped)/.test(l))
      .map((l) => l.replace(/^\S+ \S+ (\(\S+\) )?/, ''));
  expect(strip(errorLog(dir))).toEqual(strip(fs.readFileSync(path.join(ldir, 'lighttpd-error.log'), 'utf8')));
  expect(strip(errorLog(dir))).toEqual([`establishing connection failed: socket: unix:${refused}: Connection refused`, 'all handlers for /down/x?y on /down/ are down.']);

  const conf = path.join(dir, 'bad.conf');
  fs.writeFileSync(conf, `server.document-root = "${dir}"\nserver.port = 0\nserver.modules += ( "mod_scgi" )\nscgi.protocol = "fastcgi"\n`);
  const run = await runHttpd(['-tt', '-f', conf]);
  expect(run.code).not.toBe(0);
  expect(run.stdout + run.stderr).toMatch(/scgi\.protocol.*"scgi" or "uwsgi"/);
}, 60_000);
