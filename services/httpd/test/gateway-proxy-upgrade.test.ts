// mod_proxy's tunnels (lighttpd 1.4.69 mod_proxy.c proxy.header "upgrade" and "connect", gw_backend.c
// gw_set_transparent, http_response_upgrade_read_body_unknown) over real sockets: a WebSocket echo
// server written here (RFC 6455 handshake and frames) behind httpd-ts, several messages and one of
// 4 MiB, a backend that floods a client that does not read and a client that floods a backend that
// does not read (both held back), the 101 head compared with lighttpd 1.4.69's for the same config;
// "upgrade" off: the backend sees no Upgrade and answers normally; CONNECT tunnelled, refused with
// 405 (mod_proxy's, the core's); Debian's nginx behind httpd-ts serving a file, a redirect mapped
// back (https-remap has nothing to change over http, as behind lighttpd) and a WebSocket it proxies.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { md5, pour, request, stopChild } from './fastcgi-support';
import { startLighttpd, type RunningLighttpd } from './lighttpd-support';
import { rawExchange, startConf, tempDir, until, type RunningServer } from './serve-support';

let dir = '';
let server: RunningServer | undefined;
let lighttpd: RunningLighttpd | undefined;
let nginx: ChildProcess | undefined;
const closers: Array<() => Promise<void>> = [];
const sockets = new Set<net.Socket>();

afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await server?.stop();
  await lighttpd?.stop();
  await stopChild(nginx);
  for (const close of closers.splice(0)) await close();
  server = undefined;
  lighttpd = undefined;
  nginx = undefined;
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});

const MiB = 1024 * 1024;

// ---- RFC 6455, as much as an echo needs ----

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const acceptOf = (key: string): string => crypto.createHash('sha1').update(key + GUID).digest('base64');

/** One frame, FIN set; a client masks (RFC 6455 5.3), a server does not. */
function frame(opcode: number, payload: Buffer, mask: boolean): Buffer {
  const len = payload.length;
  let head: Buffer;
  if (len < 126) head = Buffer.from([0x80 | opcode, (mask ? 0x80 : 0) | len]);
  else if (len < 65536) {
    head = Buffer.from([0x80 | opcode, (mask ? 0x80 : 0) | 126, 0, 0]);
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = (mask ? 0x80 : 0) | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!mask) return Buffer.concat([head, payload]);
  const key = crypto.randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (key[i & 3] as number);
  return Buffer.concat([head, key, body]);
}

interface Frame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** Frames from a byte stream, masked or not. */
class FrameReader {
  private parts: Buffer[] = [];

  push(d: Buffer): Frame[] {
    this.parts.push(d);
    const out: Frame[] = [];
    for (;;) {
      const b = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
      this.parts = [b];
      if (b.length < 2) return out;
      const masked = ((b[1] as number) & 0x80) !== 0;
      let len = (b[1] as number) & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) return out;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) return out;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      const keyAt = off;
      if (masked) off += 4;
      if (b.length < off + len) return out;
      const payload = Buffer.from(b.subarray(off, off + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] = (payload[i] as number) ^ (b[keyAt + (i & 3)] as number);
      out.push({ opcode: (b[0] as number) & 0x0f, payload });
      this.parts = [b.subarray(off + len)];
    }
  }
}

/** What the backend saw of each request: the request line's path and its headers ([lower-case name, value]). */
interface Seen {
  readonly url: string;
  readonly headers: Array<[string, string]>;
}

/** Bytes the /flood backend handed to its socket, and what the /sink backend read. */
const flood = { written: 0 };
const sink = { read: 0, socket: null as net.Socket | null };
const FLOOD = 64 * MiB;

/**
 * A WebSocket server: /ws echoes every message (close answered and the connection ended),
 * /flood writes 64 MiB after the handshake as fast as its socket takes it, /sink reads nothing until
 * the test resumes it; a request without Upgrade is answered 200 with the headers it carried (JSON).
 */
async function startWebSocketEcho(seen: Seen[]): Promise<number> {
  const srv = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: pairs(req.rawHeaders) });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(pairs(req.rawHeaders)));
  });
  srv.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    seen.push({ url: req.url ?? '', headers: pairs(req.rawHeaders) });
    sockets.add(socket);
    socket.on('error', () => undefined);
    const key = req.headers['sec-websocket-key'];
    if (req.headers.upgrade?.toLowerCase() !== 'websocket' || typeof key !== 'string') {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(key)}\r\n\r\n`);
    if (req.url === '/flood') {
      pour(socket, FLOOD, 0x62, flood);
      return;
    }
    if (req.url === '/sink') {
      socket.pause();
      sink.socket = socket;
      socket.on('data', (d: Buffer) => (sink.read += d.length));
      return;
    }
    const reader = new FrameReader();
    const onData = (d: Buffer): void => {
      for (const f of reader.push(d)) {
        socket.write(frame(f.opcode, f.payload, false));
        if (f.opcode === 8) socket.end();
      }
    };
    socket.on('data', onData);
    if (head.length > 0) onData(head);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => srv.close(() => resolve())));
  return (srv.address() as net.AddressInfo).port;
}

function pairs(raw: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) out.push([(raw[i] as string).toLowerCase(), raw[i + 1] as string]);
  return out;
}

/** A client connection after its handshake: the 101 head as received, frames and raw bytes from now on. */
interface WsClient {
  readonly socket: net.Socket;
  readonly head: string;
  /** The next `n` messages. */
  messages(n: number): Promise<Frame[]>;
  /** Bytes received after the head. */
  readonly received: number;
  send(opcode: number, payload: Buffer): boolean;
}

/** Opens `path` with a WebSocket handshake on `port` (Host: `host`); resolves with the answer head once it is complete. */
function connectWs(port: number, target: string, host = 'ws.example'): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const key = crypto.randomBytes(16).toString('base64');
    const socket = net.connect(port, '127.0.0.1');
    sockets.add(socket);
    let buf = Buffer.alloc(0);
    let client: (WsClient & { received: number }) | null = null;
    const reader = new FrameReader();
    const queue: Frame[] = [];
    let waiter: (() => void) | null = null;
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      if (client !== null) {
        client.received += d.length;
        queue.push(...reader.push(d));
        waiter?.();
        return;
      }
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buf.subarray(0, end + 4).toString('latin1');
      if (!head.startsWith('HTTP/1.1 101 ')) {
        reject(new Error(`no 101: ${head}`));
        return;
      }
      expect(head).toContain(`\r\nSec-WebSocket-Accept: ${acceptOf(key)}\r\n`);
      const rest = buf.subarray(end + 4);
      client = {
        socket,
        head,
        received: rest.length,
        send: (opcode, payload) => socket.write(frame(opcode, payload, true)),
        messages: async (n) => {
          while (queue.length < n) {
            await new Promise<void>((r) => (waiter = r));
            waiter = null;
          }
          return queue.splice(0, n);
        },
      };
      if (rest.length > 0) queue.push(...reader.push(rest));
      resolve(client);
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  });
}

/** The head without Date, Server and Sec-WebSocket-Accept, which differ between the servers, the seconds and the keys. */
const comparable = (head: string): string =>
  head
    .split('\r\n')
    .filter((l) => !/^(Date|Server|Sec-WebSocket-Accept):/.test(l))
    .join('\r\n');

async function startHttpd(lines: string): Promise<RunningServer> {
  return startConf(['server.bind = "127.0.0.1"', 'server.port = 0', 'server.errorlog = "@TMP@/error.log"', lines, ''].join('\n'), dir);
}

/** The config both servers run: /ws and /flood and /sink upgraded, /plain without "upgrade", CONNECT to ":"-keys. */
function tunnelLines(ws: number): string {
  return [
    'server.modules += ( "mod_proxy" )',
    `server.document-root = "${dir}"`,
    'proxy.server = ( "/ws" => ( ( "host" => "127.0.0.1", "port" => ' + String(ws) + ' )),',
    '                 "/flood" => ( ( "host" => "127.0.0.1", "port" => ' + String(ws) + ' )),',
    '                 "/sink" => ( ( "host" => "127.0.0.1", "port" => ' + String(ws) + ' )),',
    '                 "/plain" => ( ( "host" => "127.0.0.1", "port" => ' + String(ws) + ' )),',
    '                 ":1" => ( ( "host" => "127.0.0.1", "port" => ' + String(ws) + ' )),',
    '                 ":2" => ( ( "host" => "127.0.0.1", "port" => ' + String(ws) + ' )) )',
    'proxy.header = ( "upgrade" => "enable", "connect" => "enable" )',
    '$HTTP["url"] =~ "^/plain|:2$" { proxy.header = ( "upgrade" => "disable" ) }',
  ].join('\n');
}

test('a WebSocket through httpd-ts: the 101 as lighttpd 1.4.69 passes it, messages both ways, one of 4 MiB, then the close', async () => {
  dir = tempDir();
  const seen: Seen[] = [];
  const ws = await startWebSocketEcho(seen);
  server = await startHttpd(tunnelLines(ws));
  lighttpd = await startLighttpd(tunnelLines(ws), dir);
  const heads: string[] = [];
  for (const port of [server.port, lighttpd.port]) {
    const c = await connectWs(port, '/ws');
    heads.push(comparable(c.head));
    const big = crypto.randomBytes(4 * MiB);
    const sent = [Buffer.from('hello'), Buffer.alloc(0), crypto.randomBytes(200), crypto.randomBytes(70_000), big, Buffer.from('after the big one')];
    for (const [i, m] of sent.entries()) c.send(i === 4 ? 2 : 1, m);
    const got = await c.messages(sent.length);
    expect(got.map((f) => [f.opcode, f.payload.length, md5(f.payload)])).toEqual(sent.map((m, i) => [i === 4 ? 2 : 1, m.length, md5(m)]));
    // the backend closes after echoing the close: the client connection ends too
    const closed = new Promise<void>((resolve) => c.socket.once('close', () => resolve()));
    c.send(8, Buffer.from([0x03, 0xe8]));
    const [close] = await c.messages(1);
    expect(close?.opcode).toBe(8);
    await closed;
  }
  expect(heads[0]).toBe(heads[1]);
  // the backend's Connection dropped, lighttpd's "Connection: upgrade" added (Sec-WebSocket-Accept was checked by the client)
  expect(heads[0]).toBe('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n');
  // what the backend was asked, behind both: Upgrade passed on and named in Connection
  const asked = seen.filter((s) => s.url === '/ws').map((s) => s.headers.filter(([n]) => n === 'upgrade' || n === 'connection'));
  expect(asked).toEqual([
    [
      ['upgrade', 'websocket'],
      ['connection', 'close, upgrade'],
    ],
    [
      ['upgrade', 'websocket'],
      ['connection', 'close, upgrade'],
    ],
  ]);
}, 60_000);

test('a tunnel is held back both ways: a client that does not read, a backend that does not read', async () => {
  dir = tempDir();
  const ws = await startWebSocketEcho([]);
  server = await startHttpd(tunnelLines(ws));
  // the backend floods a client that reads nothing: it gets to hand over only what the sockets hold
  const f = await connectWs(server.port, '/flood');
  f.socket.pause();
  await new Promise((r) => setTimeout(r, 1500));
  // (the kernel's buffers on the two loopback hops hold about 10 MiB here; httpd-ts 64 KiB each way)
  const held = flood.written;
  expect(held).toBeLessThan(FLOOD / 2);
  const ended = new Promise<void>((resolve) => f.socket.once('close', () => resolve()));
  f.socket.resume();
  await ended;
  expect([flood.written, f.received]).toEqual([FLOOD, FLOOD]);

  // a client floods a backend that reads nothing: its writes stall
  const s = await connectWs(server.port, '/sink');
  const piece = crypto.randomBytes(MiB);
  let sent = 0;
  for (;;) {
    sent += piece.length;
    if (s.socket.write(piece)) continue;
    const drained = await Promise.race([new Promise<boolean>((r) => s.socket.once('drain', () => r(true))), new Promise<boolean>((r) => setTimeout(() => r(false), 1500))]);
    if (!drained || sent >= FLOOD) break;
  }
  expect(sent).toBeLessThan(FLOOD);
  expect(sink.read).toBe(0);
  sink.socket?.resume();
  await until(() => sink.read === sent, 20_000);
}, 90_000);

test('"upgrade" disabled: the backend sees no Upgrade and answers normally, as behind lighttpd', async () => {
  dir = tempDir();
  const seen: Seen[] = [];
  const ws = await startWebSocketEcho(seen);
  server = await startHttpd(tunnelLines(ws));
  lighttpd = await startLighttpd(tunnelLines(ws), dir);
  const bodies: string[] = [];
  for (const port of [server.port, lighttpd.port]) {
    const got = await request(port, 'GET', '/plain', undefined, { Host: 'ws.example', Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': 'a2V5a2V5a2V5a2V5a2V5aw==' });
    expect(got.status).toBe(200);
    bodies.push(got.body.toString());
  }
  const headers = bodies.map((b) => (JSON.parse(b) as Array<[string, string]>).filter(([n]) => n === 'upgrade' || n === 'connection'));
  expect(headers).toEqual([[['connection', 'close']], [['connection', 'close']]]);
  // HTTP/1.0 with Upgrade is refused before any module (lighttpd: "invalid hop-by-hop header w/o HTTP/1.1")
  for (const port of [server.port, lighttpd.port]) {
    const out = await rawExchange(port, 'GET /ws HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    expect(out.toString('latin1')).toMatch(/^HTTP\/1\.0 400 /);
  }
  expect(seen.map((s) => s.url)).toEqual(['/plain', '/plain']);
}, 60_000);

test('an idle tunnel ends after server.max-read-idle, a busy one does not, as behind lighttpd 1.4.69', async () => {
  dir = tempDir();
  const ws = await startWebSocketEcho([]);
  const lines = `${tunnelLines(ws)}\nserver.max-read-idle = 2`;
  server = await startHttpd(lines);
  lighttpd = await startLighttpd(lines, dir);
  for (const port of [server.port, lighttpd.port]) {
    const idle = await connectWs(port, '/ws');
    const busy = await connectWs(port, '/ws');
    const idleClosed = new Promise<number>((resolve) => idle.socket.once('close', () => resolve(Date.now())));
    const start = Date.now();
    // the busy one sends every half second for 5 seconds and gets its echoes
    for (let i = 0; i < 10; i++) {
      busy.send(1, Buffer.from(`tick ${i}`));
      const [echo] = await busy.messages(1);
      expect(echo?.payload.toString()).toBe(`tick ${i}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const closedAt = await idleClosed;
    expect([port, closedAt - start >= 2000 && closedAt - start < 5000]).toEqual([port, true]);
    expect(busy.socket.destroyed).toBe(false);
  }
}, 60_000);

/** Sends `first`, waits for the answer head, then sends `then`; resolves with everything received until `done` holds or the server closes. */
function tunnelExchange(port: number, first: string, then: string, done: (got: string) => boolean): Promise<{ got: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    sockets.add(socket);
    let got = '';
    let sentMore = false;
    const timer = setTimeout(() => reject(new Error(`tunnel exchange timed out: ${got}`)), 8000);
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ got, closed });
    };
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (!sentMore && got.includes('\r\n\r\n')) {
        sentMore = true;
        if (then !== '') socket.write(then);
      }
      if (done(got)) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    socket.write(first);
  });
}

test('CONNECT: tunnelled to the backend with "connect", 405 from mod_proxy without it, 405 and close where no module takes it, as lighttpd 1.4.69', async () => {
  dir = tempDir();
  const ws = await startWebSocketEcho([]);
  server = await startHttpd(tunnelLines(ws));
  lighttpd = await startLighttpd(tunnelLines(ws), dir);
  const answers: string[][] = [];
  for (const port of [server.port, lighttpd.port]) {
    const out: string[] = [];
    // 200 at once, nothing sent to the backend; then an HTTP request to the backend through the tunnel
    const t = await tunnelExchange(port, 'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n', 'GET /through HTTP/1.1\r\nHost: inner\r\nConnection: close\r\n\r\n', (g) => g.endsWith(']') && g.includes('"inner"'));
    const at = t.got.indexOf('\r\n\r\n');
    const inner = t.got.slice(at + 4);
    out.push(comparable(t.got.slice(0, at)), inner.split('\r\n')[0] as string, inner.slice(inner.indexOf('\r\n\r\n') + 4));
    // HTTP/1.0 needs no Host
    const t10 = await tunnelExchange(port, 'CONNECT 127.0.0.1:1 HTTP/1.0\r\n\r\n', 'GET /x HTTP/1.0\r\n\r\n', (g) => g.endsWith(']'));
    out.push(comparable(t10.got.slice(0, t10.got.indexOf('\r\n\r\n'))));
    // "connect" off for this key: mod_proxy's 405 keeps the connection
    const off = await tunnelExchange(port, 'CONNECT 127.0.0.1:2 HTTP/1.1\r\nHost: x\r\n\r\n', '', (g) => g.includes('</html>'));
    out.push(comparable(off.got.slice(0, off.got.indexOf('\r\n\r\n'))), String(off.closed));
    // no proxy.server key matches: the core's 405 closes
    const none = await rawExchange(port, 'CONNECT 127.0.0.1:3 HTTP/1.1\r\nHost: x\r\n\r\n');
    out.push(comparable(none.toString('latin1').slice(0, none.indexOf('\r\n\r\n'))));
    // a host name is no CONNECT target for lighttpd's strict parsing
    const named = await rawExchange(port, 'CONNECT example.com:1 HTTP/1.1\r\nHost: example.com:1\r\n\r\n');
    out.push(named.toString('latin1').split('\r\n')[0] as string);
    answers.push(out);
  }
  expect(answers[0]).toEqual(answers[1]);
  expect(answers[0]?.[0]).toBe('HTTP/1.1 200 OK\r\nConnection: close');
  expect(answers[0]?.[1]).toBe('HTTP/1.1 200 OK');
  expect(answers[0]?.[3]).toBe('HTTP/1.0 200 OK\r\nConnection: close');
  expect(answers[0]?.[4]).toMatch(/^HTTP\/1\.1 405 /);
  expect(answers[0]?.[5]).toBe('false');
  expect(answers[0]?.[6]).toMatch(/^HTTP\/1\.1 405 [^]*Connection: close/);
  expect(answers[0]?.[7]).toBe('HTTP/1.1 400 Bad Request');
}, 60_000);

/** Debian's nginx on a unix socket: `root` served, /moved redirected to an absolute URL of its own name, /ws/ proxied to the WebSocket server. */
async function startNginx(root: string, ws: number): Promise<string> {
  const socket = path.join(dir, 'nginx.sock');
  const conf = path.join(dir, 'nginx.conf');
  const temp = (n: string): string => path.join(dir, `nginx-${n}`);
  fs.writeFileSync(
    conf,
    `daemon off;\nmaster_process off;\npid ${path.join(dir, 'nginx.pid')};\nerror_log ${path.join(dir, 'nginx-error.log')} info;\nevents { worker_connections 64; }\n` +
      `http {\n  access_log off;\n  client_body_temp_path ${temp('body')};\n  proxy_temp_path ${temp('proxy')};\n  fastcgi_temp_path ${temp('fastcgi')};\n` +
      `  uwsgi_temp_path ${temp('uwsgi')};\n  scgi_temp_path ${temp('scgi')};\n  server {\n    listen unix:${socket};\n    root ${root};\n` +
      `    location = /moved { return 302 http://backend.internal/file.txt; }\n` +
      `    location /ws { proxy_pass http://127.0.0.1:${ws}; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; }\n` +
      `  }\n}\n`,
  );
  nginx = spawn('nginx', ['-p', dir, '-c', conf], { stdio: 'ignore' });
  await until(() => fs.existsSync(socket) || nginx?.exitCode !== null);
  if (!fs.existsSync(socket)) throw new Error('nginx did not start');
  return socket;
}

test('httpd-ts -> nginx: a file, a redirect mapped back (https-remap changes nothing over http), a WebSocket nginx proxies on; lighttpd 1.4.69 the same', async () => {
  dir = tempDir();
  const root = path.join(dir, 'www');
  fs.mkdirSync(root);
  const file = crypto.randomBytes(300_000);
  fs.writeFileSync(path.join(root, 'file.txt'), file);
  const ws = await startWebSocketEcho([]);
  const socket = await startNginx(root, ws);
  const lines = [
    'server.modules += ( "mod_proxy" )',
    `server.document-root = "${dir}"`,
    `proxy.server = ( "" => ( ( "socket" => "${socket}" ) ) )`,
    'proxy.header = ( "upgrade" => "enable", "https-remap" => "enable", "map-host-response" => ( "backend.internal" => "-" ) )',
  ].join('\n');
  server = await startHttpd(lines);
  lighttpd = await startLighttpd(lines, dir);
  const seen: Array<Array<string | number | undefined>> = [];
  for (const port of [server.port, lighttpd.port]) {
    const got = await request(port, 'GET', '/file.txt', undefined, { Host: 'site.example' });
    const moved = await request(port, 'GET', '/moved', undefined, { Host: 'site.example' });
    const c = await connectWs(port, '/ws');
    c.send(1, Buffer.from('through nginx'));
    const [echo] = await c.messages(1);
    seen.push([got.status, md5(got.body), moved.status, moved.headers.location as string | undefined, echo?.payload.toString()]);
  }
  expect(seen[0]).toEqual([200, md5(file), 302, 'http://site.example/file.txt', 'through nginx']);
  expect(seen[1]).toEqual(seen[0]);
}, 60_000);
