// Socket activation end to end with Debian's systemd-socket-activate: a unix socket and a TCP socket
// arrive as fds 3 and 4 with their names, LISTEN_* vanish from the environment, connections work.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { readLines, spawnTs, tsEnv, tsNodeArgs } from '@libs/testing';

const fixture = path.join(__dirname, 'fixtures', 'activated-child.ts');

interface Report {
  pid: number;
  sockets: Array<{ fd: number; name: string }>;
  before: Record<string, string | null>;
  after: Record<string, string | null>;
  childSees: string;
  addresses: Array<{ kind: string; path?: string; address?: string; port?: number }>;
  error?: string;
}

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'activation-'));
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function greeting(connect: net.NetConnectOpts): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    const sock = net.connect(connect);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (data += d));
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
  });
}

async function report(child: ChildProcess): Promise<Report> {
  return JSON.parse(await readLines(child.stdout).next((l) => l.startsWith('{'))) as Report;
}

describe('socket activation', () => {
  it('receives named sockets from systemd-socket-activate and strips LISTEN_* from the environment', async () => {
    const sock = path.join(dir, 'web.sock');
    const port = await freePort();
    const env = tsEnv();
    const child = spawn(
      'systemd-socket-activate',
      ['-l', sock, '-l', `127.0.0.1:${port}`, '--fdname=web:admin', '-E', `TSX_TSCONFIG_PATH=${env['TSX_TSCONFIG_PATH']}`, process.execPath, ...tsNodeArgs(fixture)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    // It listens first and execs the service on the first connection, which then waits in the backlog.
    await readLines(child.stderr).next((l) => l.startsWith(`Listening on 127.0.0.1:${port}`));
    const firstGreeting = greeting({ path: sock });

    const r = await report(child);
    expect(r.sockets).toEqual([
      { fd: 3, name: 'web' },
      { fd: 4, name: 'admin' },
    ]);
    expect(r.before).toEqual({ LISTEN_PID: String(r.pid), LISTEN_FDS: '2', LISTEN_FDNAMES: 'web:admin' });
    expect(r.after).toEqual({ LISTEN_PID: null, LISTEN_FDS: null, LISTEN_FDNAMES: null });
    expect(r.childSees).toBe('unset:unset:unset');
    expect(r.addresses).toEqual([
      { kind: 'unix', path: sock },
      { kind: 'inet', family: 'IPv4', address: '127.0.0.1', port },
    ]);
    expect(await firstGreeting).toBe('hello from web\n');
    expect(await greeting({ host: '127.0.0.1', port })).toBe('hello from admin\n');
  });

  it('ignores LISTEN_* meant for another pid, and still removes them', async () => {
    const child = spawnTs(fixture, [], { env: { LISTEN_PID: '1', LISTEN_FDS: '1', LISTEN_FDNAMES: 'web' } });
    children.push(child);
    const r = await report(child);
    expect(r.sockets).toEqual([]);
    expect(r.after).toEqual({ LISTEN_PID: null, LISTEN_FDS: null, LISTEN_FDNAMES: null });
    expect(r.childSees).toBe('unset:unset:unset');
  });

  it('rejects an activated fd that is not a socket with SYSTEMD_ERR_NOT_SOCKET', async () => {
    const file = path.join(dir, 'plain');
    fs.writeFileSync(file, '');
    const fd = fs.openSync(file, 'r');
    try {
      // The shell sets LISTEN_PID to its own pid and then execs node, as systemd does.
      const child = spawn(
        '/bin/sh',
        ['-c', 'LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=bogus; export LISTEN_PID LISTEN_FDS LISTEN_FDNAMES; exec "$0" "$@"', process.execPath, ...tsNodeArgs(fixture)],
        { stdio: ['ignore', 'pipe', 'pipe', fd], env: tsEnv() },
      );
      children.push(child);
      const r = await report(child);
      expect(r.error).toBe('SYSTEMD_ERR_NOT_SOCKET');
      expect(r.after).toEqual({ LISTEN_PID: null, LISTEN_FDS: null, LISTEN_FDNAMES: null });
    } finally {
      fs.closeSync(fd);
    }
  });
});
