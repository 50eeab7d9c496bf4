// Watchdog end to end: a real child with WATCHDOG_USEC=400000 pings WATCHDOG=1 to our notify socket
// while healthy, and withholds pings while its event loop is blocked or lagging or a probe fails.
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { NotifyReceiver, readLines, spawnTs, type LineReader } from '@libs/testing';

const fixture = path.join(__dirname, 'fixtures', 'watchdog-child.ts');

let receiver: NotifyReceiver;
let child: ChildProcess | undefined;
beforeEach(async () => {
  receiver = await NotifyReceiver.create();
});
afterEach(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  receiver.close();
});

async function run(mode: string, env: NodeJS.ProcessEnv = { WATCHDOG_USEC: '400000' }): Promise<{ messages: string[]; out: LineReader }> {
  child = spawnTs(fixture, [mode], { env: { NOTIFY_SOCKET: receiver.path, ...env } });
  const out = readLines(child.stdout);
  const proc = child;
  await new Promise((resolve) => proc.once('exit', resolve));
  return { messages: receiver.messages, out };
}

// Datagrams before, during and after the misbehaviour, split at the STATUS= markers.
function phases(messages: string[]): { before: string[]; during: string[]; after: string[] } {
  const start = messages.indexOf('STATUS=misbehaving');
  const stop = messages.indexOf('STATUS=behaving');
  const end = messages.indexOf('STATUS=end');
  expect([start >= 0, stop > start, end > stop]).toEqual([true, true, true]);
  return { before: messages.slice(0, start), during: messages.slice(start + 1, stop), after: messages.slice(stop + 1, end) };
}

const pings = (list: string[]) => list.filter((m) => m === 'WATCHDOG=1').length;

describe('watchdog', () => {
  it('stops pinging while the event loop is blocked, says so, and resumes afterwards', async () => {
    const { messages, out } = await run('block');
    const { before, during, after } = phases(messages);
    expect(out.all[0]).toBe('watchdog interval=400 ping=200');
    expect(pings(before)).toBeGreaterThanOrEqual(2);
    expect(pings(during)).toBe(0);
    expect(pings(after)).toBeGreaterThanOrEqual(1);
    // The first round after the block must not report health: the loop was 2 s late.
    const behaving = out.all.indexOf('marker: behaving');
    const firstAfter = out.all.slice(behaving + 1)[0];
    expect(firstAfter).toMatch(/^warn: watchdog: withholding WATCHDOG=1, probe failed \(event-loop-lag: event loop lagged \d+ ms/);
    expect(out.all).toContain('notice: watchdog: all probes pass again, resuming WATCHDOG=1');
  });

  it('stops pinging while the event loop lags though timers still run', async () => {
    const { messages, out } = await run('lag');
    const { before, during, after } = phases(messages);
    expect(pings(before)).toBeGreaterThanOrEqual(2);
    expect(pings(during)).toBe(0);
    expect(pings(after)).toBeGreaterThanOrEqual(1);
    expect(out.all.some((l) => l.includes('event-loop-lag'))).toBe(true);
  });

  it('stops pinging while a custom probe fails', async () => {
    const { messages, out } = await run('probe');
    const { before, during, after } = phases(messages);
    expect(pings(before)).toBeGreaterThanOrEqual(2);
    expect(pings(during)).toBe(0);
    expect(pings(after)).toBeGreaterThanOrEqual(1);
    expect(out.all).toContain('warn: watchdog: withholding WATCHDOG=1, probe failed (workers-heartbeat: worker 7 silent)');
  });

  it('stays off when WATCHDOG_PID names another process', async () => {
    const { messages, out } = await run('probe', { WATCHDOG_USEC: '400000', WATCHDOG_PID: '1' });
    expect(out.all).toEqual(['watchdog disabled']);
    expect(messages).toEqual([]);
  });
});
