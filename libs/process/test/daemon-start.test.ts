// Daemonizing for real: the fixture re-spawns itself detached; the foreground waits on the
// start-up pipe like lighttpd's daemonize() and exits 0 / 1 on the background's report.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnTs } from '@libs/testing';
import { isProcessRunning } from '../src';

const fixture = path.join(__dirname, 'fixtures', 'daemon-app.ts');
let dir: string;
const TAG = 'DAEMON_START_TEST_DIR';

interface Finished {
  readonly code: number | null;
  readonly stderr: string;
}

function runForeground(args: readonly string[]): Promise<Finished> {
  // The tag lets afterEach find every daemon this test started, even one a failed test lost.
  const child = spawnTs(fixture, args, { cwd: dir, env: { [TAG]: dir } });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

function procStat(pid: number): { state: string; session: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after "pid (comm)": state ppid pgrp session ...
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', session: Number(fields[3]) };
}

function fdTarget(pid: number, fd: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return undefined;
  }
}

async function waitGone(pid: number): Promise<void> {
  for (;;) {
    const stat = procStat(pid);
    if (stat === undefined || stat.state === 'Z') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daemon-start-'));
});

function taggedProcesses(): number[] {
  const tag = `${TAG}=${dir}\0`;
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return fs.readFileSync(`/proc/${name}/environ`, 'utf8').includes(tag);
      } catch {
        return false;
      }
    })
    .map(Number);
}

afterEach(async () => {
  for (const pid of taggedProcesses()) {
    if (isProcessRunning(pid)) {
      process.kill(pid, 'SIGKILL');
      await waitGone(pid);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

it('exits 0 only after the background wrote its pid file; the daemon has its own session and cwd "/"', async () => {
  const result = await runForeground(['app.pid']);
  expect(result).toEqual({ code: 0, stderr: '' });

  // The relative pid-file path was resolved against the directory the service was started in.
  const content = fs.readFileSync(path.join(dir, 'app.pid'), 'utf8');
  expect(content).toMatch(/^\d+\n$/);
  const pid = Number(content);
  expect(isProcessRunning(pid)).toBe(true);

  expect(procStat(pid)?.session).toBe(pid);
  expect(fs.readlinkSync(`/proc/${pid}/cwd`)).toBe('/');
  expect(fdTarget(pid, 0)).toBe('/dev/null');
  expect(fdTarget(pid, 1)).toBe('/dev/null');
  expect(fdTarget(pid, 2)).toBe('/dev/null');
  // The start-up pipe is closed once "started" was reported.
  expect(fdTarget(pid, 3) ?? '').not.toMatch(/^socket:/);

  process.kill(pid, 'SIGTERM');
  await waitGone(pid);
  expect(fs.existsSync(path.join(dir, 'app.pid'))).toBe(false);
});

it('a background start-up error is printed by the foreground, which exits 1', async () => {
  const result = await runForeground(['app.pid', 'fail', 'can not bind to port 80: Permission denied']);
  expect(result.code).toBe(1);
  expect(result.stderr).toBe('can not bind to port 80: Permission denied\n');
  expect(fs.existsSync(path.join(dir, 'app.pid'))).toBe(false);
});

it('a background process that dies without reporting makes the foreground exit 1 saying so', async () => {
  const result = await runForeground(['app.pid', 'die']);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('daemonized server failed to start (exited with code 3)');
});

it('refuses in the foreground, before daemonizing, when the pid file names a live process', async () => {
  fs.writeFileSync(path.join(dir, 'app.pid'), `${process.pid}\n`);
  const result = await runForeground(['app.pid']);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`names process ${process.pid}`);
  expect(fs.readFileSync(path.join(dir, 'app.pid'), 'utf8')).toBe(`${process.pid}\n`);
});
