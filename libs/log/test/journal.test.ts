// journald awareness end to end: a real process whose stderr is the stream named by
// JOURNAL_STREAM ("dev:ino" of fstat(2)) writes "<N>" priorities and no timestamps.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnTs } from '@libs/testing';

const fixture = path.join(__dirname, 'fixtures', 'stderr-logger.ts');

let dir: string;
let child: ChildProcess | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-journal-'));
});
afterEach(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function runWithStderrFile(style: string, journalStream: (st: fs.Stats) => string): Promise<string> {
  const file = path.join(dir, 'stderr');
  const fd = fs.openSync(file, 'w');
  const st = fs.fstatSync(fd);
  try {
    child = spawnTs(fixture, [style], { stdio: ['ignore', 'pipe', fd], env: { JOURNAL_STREAM: journalStream(st) } });
    const proc = child;
    await new Promise((resolve) => proc.once('exit', resolve));
  } finally {
    fs.closeSync(fd);
  }
  return fs.readFileSync(file, 'utf8');
}

describe('error log on stderr', () => {
  it('prefixes sd-daemon priorities and drops timestamps when stderr is the journal (fpm style)', async () => {
    const out = await runWithStderrFile('fpm', (st) => `${st.dev}:${st.ino}`);
    expect(out).toBe('<3>ERROR: e\n<4>WARNING: w\n<5>NOTICE: n\n<6>INFO: i\n<7>DEBUG: d\n');
  });

  it('keeps the (source) part in lighttpd style', async () => {
    const out = await runWithStderrFile('lighttpd', (st) => `${st.dev}:${st.ino}`);
    expect(out).toBe('<3>(server.c.1) e\n<4>w\n<5>n\n<6>i\n<7>d\n');
  });

  it('keeps timestamps when JOURNAL_STREAM names another stream', async () => {
    const out = await runWithStderrFile('fpm', (st) => `${st.dev}:${st.ino + 1}`);
    expect(out.split('\n')[0]).toMatch(/^\[\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d\.\d{6}\] ERROR: e$/);
    expect(out).not.toContain('<3>');
  });
});
