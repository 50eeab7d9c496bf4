// Real-socket tests of the event layer: accept gating, idle timeouts, unix sockets, traffic shaping.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ServiceLog } from '@libs/log';
import { IoPhase } from './io-phase';
import type { Connection, TimeoutKind } from './connection';
import { FdEvent } from './fdevent';
import { openServerSockets } from './open-server-sockets';
import type { ServerSocket } from './server-socket';

function recorder(): ServiceLog & { lines: string[] } {
  const lines: string[] = [];
  const push = (msg: string) => void lines.push(msg);
  return { lines, error: push, warn: push, notice: push, info: push, debug: push };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function connect(s: ServerSocket): Promise<net.Socket> {
  const a = s.address();
  return new Promise((resolve, reject) => {
    const c = a.kind === 'unix' ? net.connect(a.path) : net.connect(a.port, a.address);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function start(opts: { maxConnections?: number; onConnection?: (c: Connection) => void; kbytesPerSecond?: number; perms?: number; address?: string }) {
  const log = recorder();
  const [sock] = await openServerSockets({
    sockets: [{ address: opts.address ?? '127.0.0.1:0', kbytesPerSecond: opts.kbytesPerSecond, perms: opts.perms }],
    log,
  });
  const s = sock as ServerSocket;
  const ev = new FdEvent({ log, maxConnections: opts.maxConnections, maxFds: 100000, onConnection: (c) => opts.onConnection?.(c) });
  ev.addServerSocket(s);
  cleanups.push(async () => {
    for (const c of [...ev.registry]) c.socket.destroy();
    await ev.close();
  });
  return { ev, s, log };
}

test('port 0 binds a real port and the bound address is queryable', async () => {
  const { s } = await start({});
  const a = s.address();
  expect(a.kind).toBe('inet');
  expect(a.kind === 'inet' && a.port).toBeGreaterThan(0);
  expect(s.label).toMatch(/^127\.0\.0\.1:\d+$/);
});

test('IPv6 sockets bind and accept', async () => {
  const { s, ev } = await start({ address: '[::1]:0' });
  expect(s.label).toMatch(/^\[::1\]:\d+$/);
  const c = await connect(s);
  cleanups.push(() => c.destroy());
  await until(() => ev.registry.size === 1);
});

test('inherited fds are ignored unless systemd socket activation is enabled', async () => {
  const opened = await openServerSockets({ sockets: [{ address: '127.0.0.1:0' }], inherited: [{ fd: 987, name: 'web' }], log: recorder() });
  cleanups.push(() => Promise.all(opened.map((o) => o.close())));
  expect(opened.map((o) => o.inherited)).toEqual([null]);
});

test('max-connections = 2: the third connection waits in the backlog until one closes', async () => {
  const { ev, s, log } = await start({ maxConnections: 2 });
  const clients: net.Socket[] = [];
  cleanups.push(() => clients.forEach((c) => c.destroy()));
  clients.push(await connect(s));
  await until(() => ev.registry.size === 1);
  clients.push(await connect(s));
  await until(() => ev.registry.size === 2);
  expect(ev.socketsDisabled).toBe(true);
  expect(log.lines).toContain('[note] sockets disabled, connection limit reached');

  // the kernel completes the handshake from the backlog, but nobody accepts it
  clients.push(await connect(s));
  await new Promise((r) => setTimeout(r, 300));
  expect(ev.registry.size).toBe(2);

  (clients[0] as net.Socket).destroy();
  await until(() => log.lines.includes('[note] sockets enabled again'));
  // the waiting one is accepted, which fills the limit again
  await until(() => ev.registry.size === 2 && ev.socketsDisabled);
  expect(log.lines.filter((l) => l === '[note] sockets disabled, connection limit reached')).toHaveLength(2);
});

test('an idle keep-alive connection is closed after server.max-keep-alive-idle', async () => {
  const timeouts: TimeoutKind[] = [];
  const { ev, s } = await start({
    onConnection: (conn) => {
      conn.limits.maxKeepAliveIdle = 1;
      conn.limits.maxReadIdle = 30;
      conn.requestCount = 1;
      conn.setPhase(IoPhase.AwaitRequest);
      conn.handler = {
        onTimeout: (c, kind) => {
          timeouts.push(kind);
          c.socket.destroy();
        },
      };
      conn.socket.on('data', () => {
        conn.markRead();
        conn.write('ok\n');
        // the next request starts: waiting for it is keep-alive idle time
        conn.requestCount++;
        conn.setPhase(IoPhase.AwaitRequest);
      });
    },
  });
  const c = await connect(s);
  cleanups.push(() => c.destroy());
  const answered = new Promise<number>((resolve) => c.once('data', () => resolve(Date.now())));
  c.write('GET\n');
  const t0 = await answered;
  await new Promise((r) => c.once('close', r));
  const idle = Date.now() - t0;
  expect(timeouts).toEqual(['keep-alive-idle']);
  // "more than 1 second" on a clock that ticks once a second (timer drift can jump it by 2)
  expect(idle).toBeGreaterThanOrEqual(900);
  expect(idle).toBeLessThan(4000);
  await until(() => ev.registry.size === 0);
});

test('a connection that never sends is closed after server.max-read-idle', async () => {
  const timeouts: TimeoutKind[] = [];
  const { s } = await start({
    onConnection: (conn) => {
      conn.limits.maxReadIdle = 1;
      conn.requestCount = 1;
      conn.setPhase(IoPhase.AwaitRequest);
      conn.handler = { onTimeout: (c, kind) => (timeouts.push(kind), c.socket.destroy()) };
    },
  });
  const c = await connect(s);
  cleanups.push(() => c.destroy());
  await new Promise((r) => c.once('close', r));
  expect(timeouts).toEqual(['read-idle']);
});

describe('unix sockets', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fdevent-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('created with server.socket-perms and served', async () => {
    const sockPath = path.join(dir, 'web.sock');
    const { s, ev } = await start({ address: sockPath, perms: 0o600 });
    expect(fs.statSync(sockPath).mode & 0o777).toBe(0o600);
    expect(s.address()).toEqual({ kind: 'unix', path: sockPath });
    const c = await connect(s);
    cleanups.push(() => c.destroy());
    await until(() => ev.registry.size === 1);
  });

  test('a socket in use is refused; a stale socket file is replaced', async () => {
    const sockPath = path.join(dir, 'web.sock');
    const log = recorder();
    const [first] = await openServerSockets({ sockets: [{ address: sockPath }], log });
    await expect(openServerSockets({ sockets: [{ address: sockPath }], log })).rejects.toMatchObject({ code: 'FDEVENT_ERR_SOCKET_IN_USE' });
    // close the listener but leave the file behind, as a crashed server would
    (first as ServerSocket).server.close();
    await new Promise((r) => setImmediate(r));
    expect(fs.existsSync(sockPath)).toBe(true);
    const [second] = await openServerSockets({ sockets: [{ address: sockPath }], log });
    cleanups.push(() => (second as ServerSocket).close());
    expect(fs.statSync(sockPath).isSocket()).toBe(true);
  });

  test('a regular file at the socket path is not removed', async () => {
    const p = path.join(dir, 'not-a-socket');
    fs.writeFileSync(p, 'data');
    await expect(openServerSockets({ sockets: [{ address: p }], log: recorder() })).rejects.toMatchObject({ code: 'FDEVENT_ERR_SOCKET_TEST' });
    expect(fs.readFileSync(p, 'utf8')).toBe('data');
  });
});

test('connection.kbytes-per-second limits the bytes sent per second', async () => {
  const { s } = await start({
    onConnection: (conn) => {
      conn.limits.kbytesPerSecond = 4;
      conn.setPhase(IoPhase.Write);
      conn.write(Buffer.alloc(256 * 1024, 0x61));
    },
  });
  const c = await connect(s);
  cleanups.push(() => c.destroy());
  let received = 0;
  let afterFirstSecond = 0;
  c.on('data', (d: Buffer) => (received += d.length));
  await new Promise((r) => setTimeout(r, 1000));
  afterFirstSecond = received;
  await new Promise((r) => setTimeout(r, 2200));
  // 4 KiB at once, then at most 4 KiB per tick: 3.2 s can never carry 256 KiB
  expect(afterFirstSecond).toBeLessThanOrEqual(8 * 1024);
  expect(received).toBeGreaterThan(4 * 1024);
  expect(received).toBeLessThanOrEqual(24 * 1024);
});

test('server.kbytes-per-second is shared by the connections of a socket', async () => {
  const { s } = await start({
    kbytesPerSecond: 4,
    onConnection: (conn) => {
      conn.setPhase(IoPhase.Write);
      conn.write(Buffer.alloc(128 * 1024, 0x62));
    },
  });
  const a = await connect(s);
  const b = await connect(s);
  cleanups.push(() => (a.destroy(), b.destroy()));
  let received = 0;
  a.on('data', (d: Buffer) => (received += d.length));
  b.on('data', (d: Buffer) => (received += d.length));
  await new Promise((r) => setTimeout(r, 2200));
  expect(received).toBeGreaterThan(0);
  expect(received).toBeLessThanOrEqual(16 * 1024);
});
