// Real signals to a real child: each service's table yields the intents of lighttpd / php-fpm,
// repeated stop signals are counted, one-intent subscribers see only theirs and can unsubscribe,
// and dispose() gives the signal its default action back. (Real signals need a real process: a
// jest test file's `process` is a sandbox copy whose listeners never receive OS signals.)
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { spawnTs } from '@libs/testing';

const fixture = path.join(__dirname, 'fixtures', 'signal-app.ts');
let child: ChildProcess | undefined;

afterEach(async () => {
  const running = child;
  child = undefined;
  if (running && running.exitCode === null && running.signalCode === null) {
    await new Promise((resolve) => {
      running.once('exit', resolve);
      running.kill('SIGKILL');
    });
  }
});

/** Starts the fixture; `next()` resolves with the next line it prints. */
async function start(service: string): Promise<{ proc: ChildProcess; next: () => Promise<string> }> {
  const proc = spawnTs(fixture, [service]);
  child = proc;
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffered = '';
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const next = (): Promise<string> => {
    const line = lines.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve));
  };
  expect(await next()).toBe('ready');
  return { proc, next };
}

/** Sends one signal and returns the event the child printed for it (one at a time: signals coalesce). */
async function send(proc: ChildProcess, next: () => Promise<string>, signal: NodeJS.Signals): Promise<unknown> {
  proc.kill(signal);
  return JSON.parse(await next());
}

function exited(proc: ChildProcess): Promise<NodeJS.Signals | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.signalCode);
  return new Promise((resolve) => proc.once('exit', (_code, signal) => resolve(signal)));
}

it('httpd: SIGHUP reopens logs, SIGUSR1 restarts, SIGINT stops gracefully (counted), SIGTERM stops now', async () => {
  const { proc, next } = await start('httpd');
  proc.kill('SIGHUP');
  expect(await next()).toBe('reopen-logs only: occurrence 1, count 1');
  expect(JSON.parse(await next())).toEqual({ intent: 'reopen-logs', signal: 'SIGHUP', occurrence: 1 });
  expect(await send(proc, next, 'SIGUSR1')).toEqual({ intent: 'graceful-restart', signal: 'SIGUSR1', occurrence: 1 });
  expect(await send(proc, next, 'SIGINT')).toEqual({ intent: 'graceful-stop', signal: 'SIGINT', occurrence: 1 });
  expect(await send(proc, next, 'SIGINT')).toEqual({ intent: 'graceful-stop', signal: 'SIGINT', occurrence: 2 });
  expect(await send(proc, next, 'SIGHUP')).toEqual({ intent: 'reopen-logs', signal: 'SIGHUP', occurrence: 2 });
  expect(await send(proc, next, 'SIGTERM')).toEqual({ intent: 'immediate-stop', signal: 'SIGTERM', occurrence: 1 });
  // After dispose() the fixture re-raised SIGTERM, and this time it was not caught.
  expect(await exited(proc)).toBe('SIGTERM');
});

it('fpm: SIGUSR1 reopens logs, SIGUSR2 reloads, SIGQUIT stops gracefully (counted), SIGINT/SIGTERM stop fast', async () => {
  const { proc, next } = await start('fpm');
  proc.kill('SIGUSR1');
  expect(await next()).toBe('reopen-logs only: occurrence 1, count 1');
  expect(JSON.parse(await next())).toEqual({ intent: 'reopen-logs', signal: 'SIGUSR1', occurrence: 1 });
  expect(await send(proc, next, 'SIGUSR2')).toEqual({ intent: 'reload', signal: 'SIGUSR2', occurrence: 1 });
  expect(await send(proc, next, 'SIGQUIT')).toEqual({ intent: 'graceful-stop', signal: 'SIGQUIT', occurrence: 1 });
  expect(await send(proc, next, 'SIGQUIT')).toEqual({ intent: 'graceful-stop', signal: 'SIGQUIT', occurrence: 2 });
  expect(await send(proc, next, 'SIGUSR1')).toEqual({ intent: 'reopen-logs', signal: 'SIGUSR1', occurrence: 2 });
  expect(await send(proc, next, 'SIGINT')).toEqual({ intent: 'fast-stop', signal: 'SIGINT', occurrence: 1 });
  expect(await exited(proc)).toBe('SIGINT');
});
