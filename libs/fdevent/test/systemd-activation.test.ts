// Process-level test: sockets passed by systemd-socket-activate (LISTEN_FDS/LISTEN_FDNAMES) are
// matched to configured sockets by name or by address, and unmatched ones are still served.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { tsEnv, tsNodeArgs } from '@libs/testing';

const fixture = path.join(__dirname, 'fixtures', 'activated-server.ts');
let dir: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fdevent-sd-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Report {
  address: string;
  fd: number | null;
  name: string | null;
  config: string | null;
}

/** Starts the fixture under systemd-socket-activate and asks it (over the activated socket) for its report. */
async function activate(listen: string, fdname: string, config: unknown[]): Promise<Report[]> {
  const env = tsEnv();
  const child = spawn(
    'systemd-socket-activate',
    ['-l', listen, `--fdname=${fdname}`, '-E', `TSX_TSCONFIG_PATH=${env['TSX_TSCONFIG_PATH'] ?? ''}`, process.execPath, ...tsNodeArgs(fixture, [JSON.stringify(config)])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  // systemd-socket-activate starts the program on the first connection; wait for its socket
  const deadline = Date.now() + 5000;
  while (!fs.existsSync(listen)) {
    if (Date.now() > deadline) throw new Error(`socket not created: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const answer = await new Promise<string>((resolve, reject) => {
    let data = '';
    const c = net.connect(listen);
    c.on('data', (d: Buffer) => (data += d.toString()));
    c.on('end', () => resolve(data));
    c.on('error', reject);
    child.once('exit', (code) => reject(new Error(`fixture exited ${code}: ${stderr}`)));
  });
  return JSON.parse(answer) as Report[];
}

test('an inherited socket is matched to the configured one by its address', async () => {
  const sock = path.join(dir, 'web.sock');
  const report = await activate(sock, 'whatever', [{ address: sock }]);
  expect(report).toEqual([{ address: sock, fd: 3, name: 'whatever', config: sock }]);
});

test('an inherited socket is matched by its LISTEN_FDNAMES name; other configured sockets are bound', async () => {
  const sock = path.join(dir, 'activated.sock');
  const other = path.join(dir, 'other.sock');
  const report = await activate(sock, 'web', [
    { address: path.join(dir, 'configured.sock'), name: 'web' },
    { address: other },
  ]);
  expect(report).toEqual([
    { address: sock, fd: 3, name: 'web', config: path.join(dir, 'configured.sock') },
    { address: other, fd: null, name: null, config: other },
  ]);
  expect(fs.existsSync(path.join(dir, 'configured.sock'))).toBe(false);
});

test('an inherited socket no configuration names is still served', async () => {
  const sock = path.join(dir, 'extra.sock');
  const report = await activate(sock, 'extra', []);
  expect(report).toEqual([{ address: sock, fd: 3, name: 'extra', config: null }]);
});
