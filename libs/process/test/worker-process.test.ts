// Process-level tests of WorkerProcess: real children, real signals, real inherited sockets.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tsEnv, tsNodeArgs } from '@libs/testing';
import { bindInheritableSocket, WorkerProcess, type InheritableSocket, type StopOptions, type WorkerSpec } from '../src';

const fixture = path.join(__dirname, 'fixtures/worker-fixture.ts');
// Whatever their message types, every worker a test starts is stopped after it.
const live: Array<{ stop(o: StopOptions): Promise<unknown> }> = [];
const sockets: InheritableSocket[] = [];

function jsWorker(mode: string, extra: Partial<WorkerSpec> = {}, env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const w = new WorkerProcess({ command: process.execPath, args: tsNodeArgs(fixture, [mode]), env: tsEnv(env), ...extra });
  live.push(w);
  return w;
}

afterEach(async () => {
  await Promise.all(live.splice(0).map((w) => w.stop({ graceful: false, termTimeoutMs: 500 })));
  for (const s of sockets.splice(0)) s.close();
});

test('a worker reports ready, answers a status query, and a SIGKILL is classified in php-fpm words', async () => {
  const w = jsWorker('serve');
  await new Promise((r) => w.once('ready', r));
  expect(w.state).toBe('ready');
  await expect(w.queryStatus(5000)).resolves.toMatchObject({ pid: w.pid, mode: 'serve' });
  process.kill(w.pid, 'SIGKILL');
  const exit = await w.exited;
  expect(exit).toMatchObject({ pid: w.pid, code: null, signal: 'SIGKILL', expected: false });
  expect(exit.line).toMatch(new RegExp(`^child ${w.pid} exited on signal 9 \\(SIGKILL\\) after \\d+\\.\\d{6} seconds from start$`));
});

test('a command that cannot be started is reported as an exit with a spawn error', async () => {
  const w = new WorkerProcess({ command: '/nonexistent/worker-binary', placement: 'fcgi' });
  const exit = await w.exited;
  expect(exit.pid).toBe(0);
  expect(exit.spawnError?.code).toBe('PROCESS_ERR_WORKER_SPAWN');
});

test('captured output arrives line by line, and exit codes are classified', async () => {
  const lines: string[] = [];
  const w = new WorkerProcess({
    command: 'sh',
    args: ['-c', 'printf "one\\ntwo\\n"; printf "three" >&2; exit 3'],
    placement: 'fcgi',
    output: (line, stream) => lines.push(`${stream}:${line}`),
  });
  const exit = await w.exited;
  expect(exit.line).toMatch(new RegExp(`^child ${exit.pid} exited with code 3 after`));
  await new Promise((r) => setTimeout(r, 50));
  expect(lines.sort()).toEqual(['stderr:three', 'stdout:one', 'stdout:two']);
});

test("external program placement: the pool's listening socket is the child's fd 0", async () => {
  const sock = bindInheritableSocket({ host: '127.0.0.1', port: 0 }, { listen: true });
  sockets.push(sock);
  const lines: string[] = [];
  // /proc/net/tcp lists the socket by inode; state 0A is LISTEN.
  const w = new WorkerProcess({
    command: 'sh',
    args: ['-c', 'readlink /proc/self/fd/0; echo "channel=${NODE_CHANNEL_FD:-none}"'],
    placement: 'fcgi',
    listenFds: [sock.fd],
    output: (line) => lines.push(line),
  });
  await w.exited;
  await new Promise((r) => setTimeout(r, 50));
  const inode = /^socket:\[(\d+)\]$/.exec(lines[0] ?? '')?.[1];
  expect(inode).toBeDefined();
  expect(lines[1]).toBe('channel=none');
  const row = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .find((l) => l.trim().split(/\s+/)[9] === inode);
  const port = 'port' in sock.address ? sock.address.port : 0;
  expect(row?.trim().split(/\s+/)[1]).toBe(`0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`);
  expect(row?.trim().split(/\s+/)[3]).toBe('0A');
});

test('JS workers accept on the inherited socket at fd 3', async () => {
  const sock = bindInheritableSocket({ host: '127.0.0.1', port: 0 });
  sockets.push(sock);
  const w = jsWorker('serve', { listenFds: [sock.fd] }, { FIXTURE_LISTEN: '1' });
  await new Promise((r) => w.once('ready', r));
  const port = 'port' in sock.address ? sock.address.port : 0;
  const answer = await new Promise<string>((resolve, reject) => {
    let data = '';
    net.connect(port, '127.0.0.1').on('data', (d) => (data += d)).on('end', () => resolve(data)).on('error', reject);
  });
  expect(answer.trim().split(' ')[0]).toBe(String(w.pid));
});

test('the channel carries reopen-logs and typed service messages; unknown messages are ignored', async () => {
  const lines: string[] = [];
  type Echoed = { type: 'echoed'; text: string };
  const w = new WorkerProcess<Echoed, { type: 'echo'; text: string } | { type: 'nonsense' }>(
    { command: process.execPath, args: tsNodeArgs(fixture, ['serve']), env: tsEnv(), output: (l) => lines.push(l) },
    { isCustom: (m): m is Echoed => m.type === 'echoed' },
  );
  live.push(w);
  await new Promise((r) => w.once('ready', r));
  const echoed = new Promise<Echoed>((r) => w.once('message', r));
  w.send({ type: 'nonsense' });
  w.send({ type: 'echo', text: 'hi' });
  await expect(echoed).resolves.toEqual({ type: 'echoed', text: 'hi' });
  w.reopenLogs();
  await expect(w.queryStatus(5000)).resolves.toMatchObject({ pid: w.pid });
  await new Promise((r) => setTimeout(r, 100));
  expect(lines).toContain('reopened logs');
  expect(w.state).toBe('ready');
});
