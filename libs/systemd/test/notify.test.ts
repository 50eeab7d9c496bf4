// sd_notify end to end: a real child process with NOTIFY_SOCKET pointed at our datagram socket;
// we assert the exact datagrams systemd would receive.
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { NotifyReceiver, readLines, spawnTs } from '@libs/testing';

const fixture = path.join(__dirname, 'fixtures', 'notify-child.ts');

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

describe('sd_notify from a real process', () => {
  it('sends READY/STATUS/MAINPID, RELOADING with MONOTONIC_USEC, EXTEND_TIMEOUT_USEC, ERRNO, WATCHDOG, STOPPING exactly', async () => {
    child = spawnTs(fixture, [], { env: { NOTIFY_SOCKET: receiver.path } });
    const report = JSON.parse(await readLines(child.stdout).next((l) => l.startsWith('{'))) as {
      pid: number;
      before: string;
      after: string;
      notifySocketKept: boolean;
      childEnvHasNotifySocket: boolean;
    };
    await receiver.waitFor((m) => m === 'STOPPING=1');

    const [ready, status, reloading, ...rest] = receiver.messages;
    expect(ready).toBe(`READY=1\nSTATUS=Ready to serve\nMAINPID=${report.pid}`);
    expect(status).toBe('STATUS=Processing 3 requests');
    const m = /^RELOADING=1\nMONOTONIC_USEC=(\d+)\nSTATUS=Reloading configuration$/.exec(reloading ?? '');
    expect(m).not.toBeNull();
    const usec = BigInt(m?.[1] ?? '0');
    expect(usec >= BigInt(report.before) && usec <= BigInt(report.after)).toBe(true);
    expect(rest).toEqual(['READY=1', 'EXTEND_TIMEOUT_USEC=5000000', 'ERRNO=2', 'WATCHDOG=1', 'STOPPING=1']);

    // libsystemd reads NOTIFY_SOCKET on each call, so it stays; the spawn helper strips it.
    expect(report.notifySocketKept).toBe(true);
    expect(report.childEnvHasNotifySocket).toBe(false);
  });

  it('sends nothing and does not fail without NOTIFY_SOCKET', async () => {
    child = spawnTs(fixture, [], { env: { NOTIFY_SOCKET: '' } });
    const exit = await new Promise<number | null>((resolve) => child?.once('exit', resolve));
    expect(exit).toBe(0);
    expect(receiver.messages).toEqual([]);
  });
});
