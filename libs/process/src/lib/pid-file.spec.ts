// Pid file behaviour on real files and real processes: lighttpd's O_EXCL/regular-file rules, the
// live-pid refusal, and removal only while the file still holds our pid.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProcessError } from './errors';
import { isProcessRunning, openPidFile, parsePid } from './pid-file';

let dir: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pid-file-'));
});

afterEach(async () => {
  await Promise.all(
    children.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProcessError) return err.code;
    throw err;
  }
  return undefined;
}

/** A pid that surely names no process: a child that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  const pid = child.pid;
  await new Promise((resolve) => child.once('exit', resolve));
  if (pid === undefined) throw new Error('true did not start');
  return pid;
}

describe('parsePid', () => {
  it('accepts one positive pid with surrounding whitespace, nothing else', () => {
    expect(parsePid('1234\n')).toBe(1234);
    expect(parsePid('  42  ')).toBe(42);
    expect(parsePid('')).toBeUndefined();
    expect(parsePid('0\n')).toBeUndefined();
    expect(parsePid('-5')).toBeUndefined();
    expect(parsePid('12 34')).toBeUndefined();
    expect(parsePid('garbage')).toBeUndefined();
  });
});

describe('openPidFile', () => {
  it('creates the file with mode 0644 and writes the pid only when asked', () => {
    const file = path.join(dir, 'a.pid');
    const previous = process.umask(0o022);
    try {
      const pidFile = openPidFile(file);
      expect(fs.readFileSync(file, 'utf8')).toBe('');
      expect(fs.statSync(file).mode & 0o777).toBe(0o644);
      pidFile.write();
      expect(fs.readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
      pidFile.release();
    } finally {
      process.umask(previous);
    }
  });

  it('resolves a relative path at open time', () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const pidFile = openPidFile('rel.pid');
      expect(pidFile.path).toBe(path.join(fs.realpathSync(dir), 'rel.pid'));
      pidFile.release();
    } finally {
      process.chdir(cwd);
    }
  });

  it('replaces a stale file naming a dead process', async () => {
    const file = path.join(dir, 'stale.pid');
    const pid = await deadPid();
    expect(isProcessRunning(pid)).toBe(false);
    fs.writeFileSync(file, `${pid}\n`);
    const pidFile = openPidFile(file);
    pidFile.write();
    expect(fs.readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    pidFile.release();
  });

  it('replaces a file with garbage content', () => {
    const file = path.join(dir, 'garbage.pid');
    fs.writeFileSync(file, 'not a pid at all\nreally');
    const pidFile = openPidFile(file);
    pidFile.write(777);
    expect(fs.readFileSync(file, 'utf8')).toBe('777\n');
    pidFile.release();
  });

  it('refuses to start when the file names a live process, naming that pid', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(sleeper);
    await new Promise((resolve) => sleeper.once('spawn', resolve));
    const file = path.join(dir, 'live.pid');
    fs.writeFileSync(file, `${sleeper.pid}\n`);

    let caught: unknown;
    try {
      openPidFile(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProcessError);
    expect((caught as ProcessError).code).toBe('PROCESS_ERR_PIDFILE_RUNNING');
    expect((caught as ProcessError).message).toContain(String(sleeper.pid));
    expect(fs.readFileSync(file, 'utf8')).toBe(`${sleeper.pid}\n`);
  });

  it('takes over the file of a live predecessor handing over in a graceful restart', async () => {
    const predecessor = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(predecessor);
    await new Promise((resolve) => predecessor.once('spawn', resolve));
    const file = path.join(dir, 'restart.pid');
    fs.writeFileSync(file, `${predecessor.pid}\n`);
    const pidFile = openPidFile(file, { takeOverFrom: predecessor.pid });
    pidFile.write();
    expect(fs.readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    pidFile.release();
  });

  it('refuses a directory at the path', () => {
    const file = path.join(dir, 'is-a-dir.pid');
    fs.mkdirSync(file);
    expect(codeOf(() => openPidFile(file))).toBe('PROCESS_ERR_PIDFILE_NOT_REGULAR');
    expect(fs.statSync(file).isDirectory()).toBe(true);
  });

  it('reports a path it cannot create', () => {
    expect(codeOf(() => openPidFile(path.join(dir, 'missing-dir', 'x.pid')))).toBe('PROCESS_ERR_PIDFILE_OPEN');
  });
});

describe('PidFile.remove / release', () => {
  it('removes the file while it holds our pid', () => {
    const file = path.join(dir, 'ours.pid');
    const pidFile = openPidFile(file);
    pidFile.write();
    expect(pidFile.remove()).toBe(true);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('leaves the file alone once another process wrote its pid into it', () => {
    const file = path.join(dir, 'successor.pid');
    const pidFile = openPidFile(file);
    pidFile.write();
    fs.writeFileSync(file, '99999999\n');
    expect(pidFile.remove()).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('99999999\n');
  });

  it('removes a file it opened but never wrote while it is still empty', () => {
    const file = path.join(dir, 'empty.pid');
    const pidFile = openPidFile(file);
    expect(pidFile.remove()).toBe(true);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('release keeps the file and its pid for a graceful restart', () => {
    const file = path.join(dir, 'release.pid');
    const pidFile = openPidFile(file);
    pidFile.write();
    pidFile.release();
    expect(fs.readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    expect(pidFile.remove()).toBe(true);
    expect(fs.existsSync(file)).toBe(false);
  });
});
