// Process-level tests of httpd-ts's lifecycle while serving: pid file written and removed, SIGINT
// finishing a download in progress before exiting, SIGTERM stopping at once.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startServer, tempDir, type RunningServer } from './serve-support';

const SIZE = 32 * 1024 * 1024;
let dir: string;
let server: RunningServer | null = null;
let content: Buffer;

beforeAll(() => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs'));
  content = crypto.randomBytes(SIZE);
  fs.writeFileSync(path.join(dir, 'htdocs', 'large.bin'), content);
});

afterEach(async () => {
  await server?.stop('SIGKILL');
  server = null;
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const exitOf = (s: RunningServer): Promise<number | null> =>
  new Promise((resolve) => (s.child.exitCode !== null ? resolve(s.child.exitCode) : s.child.once('exit', (c) => resolve(c))));

describe('serving lifecycle', () => {
  it('writes the pid file, finishes a slow download on SIGINT, then exits 0 and removes the pid file', async () => {
    const s = await startServer('graceful.conf', dir);
    server = s;
    const pidFile = path.join(dir, 'httpd.pid');
    expect(fs.readFileSync(pidFile, 'utf8').trim()).toBe(String(s.child.pid));

    const sock = net.connect({ host: '127.0.0.1', port: s.port });
    const chunks: Buffer[] = [];
    let received = 0;
    const ended = new Promise<void>((resolve) => sock.on('end', () => resolve()));
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      received += d.length;
      // a slow reader: stop after the first bytes so the server waits on back-pressure
      if (received > 0 && chunks.length === 1) sock.pause();
    });
    sock.write('GET /large.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    while (received === 0) await new Promise((r) => setTimeout(r, 20));
    const exit = exitOf(s);
    s.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 500));
    expect(s.child.exitCode).toBeNull();
    sock.resume();
    await ended;
    sock.end();
    const all = Buffer.concat(chunks);
    const bodyAt = all.indexOf('\r\n\r\n') + 4;
    const head = all.toString('latin1', 0, bodyAt);
    expect(head).toContain('HTTP/1.1 200 OK');
    expect(all.subarray(bodyAt).equals(content)).toBe(true);
    expect(await exit).toBe(0);
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'error.log'), 'utf8')).toContain('server stopped');
  }, 30000);

  it('stops at once on SIGTERM, dropping connections', async () => {
    const s = await startServer('graceful.conf', dir);
    server = s;
    const sock = net.connect({ host: '127.0.0.1', port: s.port });
    const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
    sock.on('error', () => undefined);
    let received = 0;
    sock.on('data', (d: Buffer) => (received += d.length));
    sock.write('GET /large.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    while (received === 0) await new Promise((r) => setTimeout(r, 10));
    const exit = exitOf(s);
    s.child.kill('SIGTERM');
    expect(await exit).toBe(0);
    await closed;
  }, 30000);
});
