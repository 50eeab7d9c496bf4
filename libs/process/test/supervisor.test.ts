// Process-level tests of the Supervisor: real workers on a shared listening socket, real signals,
// respawn, crash storms, graceful/immediate stop with escalation.
import { cleanUp, alive, ask, jsSpec, listenSocket, recorder, supervise, until } from './supervisor-helpers';
import type { SupervisedExit } from '../src';

afterEach(cleanUp);

test('N workers accept on the shared socket; a SIGKILLed one is reaped, classified and replaced', async () => {
  const { sock, port } = listenSocket();
  const sup = supervise({ workers: 3, spec: jsSpec('serve', { FIXTURE_LISTEN: '1' }, { listenFds: [sock.fd] }) });
  const exits: SupervisedExit[] = [];
  sup.on('exit', (e) => exits.push(e));
  await sup.start();
  const pids = sup.workers.map((w) => w.pid);
  expect(new Set(pids).size).toBe(3);
  expect(sup.workers.every((w) => w.state === 'ready')).toBe(true);

  const seen = new Set<number>();
  for (let i = 0; i < 60 && seen.size < 2; i++) seen.add((await ask(port)).pid);
  expect(seen.size).toBeGreaterThanOrEqual(2);
  for (const pid of seen) expect(pids).toContain(pid);

  const victim = sup.workers[1];
  if (!victim) throw new Error('slot 1 has no worker');
  process.kill(victim.pid, 'SIGKILL');
  await until(() => sup.workers.length === 3 && sup.workers.every((w) => w.state === 'ready') && !sup.workers.some((w) => w.pid === victim.pid));
  expect(exits).toHaveLength(1);
  expect(exits[0]).toMatchObject({ pid: victim.pid, slot: 1, signal: 'SIGKILL', expected: false });
  expect(exits[0]?.line).toMatch(new RegExp(`^child ${victim.pid} exited on signal 9 \\(SIGKILL\\) after \\d+\\.\\d{6} seconds from start$`));
  const replacement = sup.workers[1];
  expect(replacement?.generation).toBe(1);
  expect(pids).not.toContain(replacement?.pid);
});

test('workers that exit(1) at once trigger a crash storm, and respawning backs off', async () => {
  const log = recorder();
  const sup = supervise({
    workers: 2,
    log,
    readyTimeoutMs: 200,
    spec: { command: 'sh', args: ['-c', 'exit 1'], placement: 'fcgi' },
    crashStorm: { threshold: 5, intervalMs: 10_000, backoffMs: 60_000 },
  });
  let spawns = 0;
  sup.on('spawn', () => spawns++);
  const storm = new Promise((resolve) => sup.once('crash-storm', resolve));
  await sup.start().catch(() => undefined);
  await expect(storm).resolves.toMatchObject({ threshold: 5, intervalMs: 10_000 });
  expect(log.lines).toContain('warn: failed processes threshold (5 in 10 sec) is reached, respawning paused for 60000 ms');
  expect(log.lines.filter((l) => / exited with code 1 after /.test(l)).length).toBeGreaterThanOrEqual(5);
  await new Promise((r) => setTimeout(r, 300));
  const settled = spawns;
  await new Promise((r) => setTimeout(r, 300));
  expect(spawns).toBe(settled);
  expect(sup.workers).toHaveLength(0);
});

test('graceful stop: a busy worker finishes, one ignoring quit gets SIGTERM, one ignoring SIGTERM gets SIGKILL', async () => {
  const log = recorder();
  const output: string[] = [];
  const sup = supervise({
    workers: 3,
    log,
    gracefulTimeoutMs: 1500,
    termTimeoutMs: 500,
    spec: jsSpec('mixed', { FIXTURE_BUSY_MS: '1000' }, { output: (line, _s, pid) => output.push(`${pid} ${line}`) }),
  });
  const exits: SupervisedExit[] = [];
  sup.on('exit', (e) => exits.push(e));
  await sup.start();
  const [busy, ignoresQuit, ignoresTerm] = sup.workers.map((w) => w.pid);
  await sup.stop('graceful');
  const bySlot = (slot: number) => exits.find((e) => e.slot === slot);
  expect(bySlot(0)).toMatchObject({ pid: busy, code: 0, signal: null, expected: true });
  expect(bySlot(0)?.lifetimeMs).toBeGreaterThan(1000);
  expect(output).toContain(`${busy} finished`);
  expect(bySlot(1)).toMatchObject({ pid: ignoresQuit, signal: 'SIGTERM', expected: true });
  expect(bySlot(2)).toMatchObject({ pid: ignoresTerm, signal: 'SIGKILL', expected: true });
  expect(output).toContain(`${ignoresTerm} ignoring SIGTERM`);
  expect(log.lines).toContain(`notice: child ${ignoresQuit} still running 1500 ms after quit, sending SIGTERM`);
  expect(log.lines).toContain(`warn: child ${ignoresTerm} still running 500 ms after SIGTERM, sending SIGKILL`);
  for (const pid of [busy, ignoresQuit, ignoresTerm]) expect(pid !== undefined && alive(pid)).toBe(false);
});

test('immediate stop sends SIGTERM at once', async () => {
  const sup = supervise({ workers: 2, gracefulTimeoutMs: 60_000, spec: jsSpec('serve') });
  const exits: SupervisedExit[] = [];
  sup.on('exit', (e) => exits.push(e));
  await sup.start();
  await sup.stop('immediate');
  expect(exits.map((e) => e.signal)).toEqual(['SIGTERM', 'SIGTERM']);
  expect(exits.every((e) => e.expected)).toBe(true);
});

