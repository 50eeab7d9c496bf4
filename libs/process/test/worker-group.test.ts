// Process-level tests of the WorkerGroup and the policies over it: fixed slots refilled after a
// crash, a wedged worker killed and replaced, a group grown and shrunk the way php-fpm's dynamic pm
// does, crash-storm accounting. Real children (`node -e` speaking the channel protocol).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FixedSlots, WorkerGroup, type GroupMember, type WorkerExit, type WorkerGroupOptions, type WorkerSpec } from '../src';
import { cleanUp as stopSupervisors, recorder, supervise, until } from './supervisor-helpers';

// A worker in a dozen lines: ready at once, answers heartbeats, exits on quit; with
// WEDGE_AFTER_MS it spins in an endless loop that long after ready (a wedged event loop).
const WORKER = `
process.on('message', (m) => {
  if (m.type === 'heartbeat-ping') process.send({ type: 'heartbeat-pong', seq: m.seq });
  if (m.type === 'quit') process.exit(0);
});
process.send({ type: 'ready' });
const wedgeAfter = Number(process.env.WEDGE_AFTER_MS ?? '0');
if (wedgeAfter > 0) setTimeout(() => { for (;;) {} }, wedgeAfter);
`;

function workerSpec(env: NodeJS.ProcessEnv = {}): WorkerSpec {
  return { command: process.execPath, args: ['-e', WORKER], env: { ...process.env, ...env }, logPrefix: '[test] ' };
}

interface Tag {
  readonly n: number;
}
type Group = WorkerGroup<never, never, Tag>;
type Member = GroupMember<never, never, Tag>;
const groups: Group[] = [];

function group(options: Partial<WorkerGroupOptions<never, never, Tag>> = {}): Group & { lines: string[] } {
  const log = recorder();
  const g = new WorkerGroup<never, never, Tag>({ log, ...options });
  groups.push(g);
  return Object.assign(g, { lines: log.lines });
}

afterEach(async () => {
  for (const g of groups.splice(0)) {
    await g.stop(g.members, { graceful: false, termTimeoutMs: 500 });
    g.close();
  }
  await stopSupervisors();
});

const exitsOf = (g: Group): WorkerExit[] => {
  const exits: WorkerExit[] = [];
  g.on('exit', (e) => exits.push(e));
  return exits;
};

test('fixed slots: a worker killed with SIGKILL is reaped and its slot refilled; a stopped one is not', async () => {
  const g = group();
  let spawned = 0;
  const slots = new FixedSlots(g, { size: 2, spawn: () => g.spawn(workerSpec(), { n: ++spawned }) });
  const exits = exitsOf(g);
  const first = slots.start();
  slots.keepFilled();
  await g.settled(first, 5000);
  expect(slots.members.map((m) => m?.worker.state)).toEqual(['ready', 'ready']);

  const victim = first[0] as Member;
  process.kill(victim.worker.pid, 'SIGKILL');
  await until(() => slots.members[0] !== undefined && slots.members[0] !== victim && slots.members[0].worker.state === 'ready');
  expect(exits).toEqual([expect.objectContaining({ pid: victim.worker.pid, signal: 'SIGKILL', expected: false })]);
  expect(slots.members[1]).toBe(first[1]);
  expect(g.size).toBe(2);

  // An exit the owner asked for leaves the slot empty until refill().
  await g.stop([first[1] as Member], { graceful: true, gracefulTimeoutMs: 2000 });
  expect(slots.members[1]).toBeUndefined();
  expect(g.size).toBe(1);
  slots.refill();
  expect(slots.members[1]?.tag.n).toBe(spawned);
  slots.close();
});

test('handOver: a successor takes the slot at once while the old worker keeps running until stopped', async () => {
  const g = group();
  let spawned = 0;
  const causes: string[] = [];
  const slots = new FixedSlots(g, {
    size: 1,
    spawn: (_slot, cause) => {
      causes.push(cause);
      return g.spawn(workerSpec(), { n: ++spawned });
    },
  });
  const [old] = slots.start();
  slots.keepFilled();
  if (!old) throw new Error('no worker started');
  await g.settled([old], 5000);
  slots.handOver(old);
  const successor = slots.members[0];
  expect(successor?.tag.n).toBe(2);
  expect(causes).toEqual(['start', 'successor']);
  await g.settled(successor ? [successor] : [], 5000);
  expect(old.worker.state).toBe('ready');
  expect(g.size).toBe(2);
  // The old worker's exit no longer concerns the slot: nothing is respawned for it.
  await g.stop([old], { graceful: true, gracefulTimeoutMs: 2000 });
  expect(slots.members[0]).toBe(successor);
  expect(g.size).toBe(1);
  slots.close();
});

test('a worker that stops answering heartbeats is logged, killed with SIGKILL and replaced', async () => {
  const g = group({ heartbeatIntervalMs: 100, heartbeatTimeoutMs: 500 });
  let spawned = 0;
  // Only the first worker wedges; its replacement is healthy.
  const slots = new FixedSlots(g, { size: 1, spawn: () => g.spawn(workerSpec(spawned++ === 0 ? { WEDGE_AFTER_MS: '300' } : {}), { n: spawned }) });
  const exits = exitsOf(g);
  const [wedged] = slots.start();
  slots.keepFilled();
  g.start();
  if (!wedged) throw new Error('no worker started');
  await until(() => exits.length === 1);
  expect(exits[0]).toMatchObject({ pid: wedged.worker.pid, signal: 'SIGKILL', expected: false });
  expect(g.lines).toContainEqual(expect.stringMatching(new RegExp(`^error: \\[test\\] child ${wedged.worker.pid} has not answered a heartbeat for \\d+ ms, killing it$`)));
  await until(() => slots.members[0]?.worker.state === 'ready');
  const replacement = slots.members[0];
  expect(replacement?.tag.n).toBe(2);
  // The replacement answers: a second heartbeat timeout later it is still there and healthy.
  await new Promise((r) => setTimeout(r, 800));
  expect(slots.members[0]).toBe(replacement);
  expect(g.heartbeatHealthy(500)).toBe(true);
  expect(exits).toHaveLength(1);
  slots.close();
});

test('the Supervisor takes heartbeatTimeoutMs: a wedged worker is killed and its slot refilled', async () => {
  const log = recorder();
  // Only the first worker of slot 1 wedges: it is the one that creates the marker file.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wedge-'));
  const marker = path.join(dir, 'wedged');
  const wedgeOnce = `if (process.env.SUPERVISOR_WORKER_SLOT === '1') { try { require('fs').writeFileSync(${JSON.stringify(marker)}, '', { flag: 'wx' }); process.env.WEDGE_AFTER_MS = '300'; } catch {} }`;
  const sup = supervise({
    workers: 2,
    log,
    heartbeatIntervalMs: 100,
    heartbeatTimeoutMs: 500,
    spec: { command: process.execPath, args: ['-e', `${wedgeOnce}\n${WORKER}`] },
  });
  const exits: Array<{ pid: number; slot: number; signal: string | null }> = [];
  sup.on('exit', (e) => exits.push(e));
  await sup.start();
  const [healthy, wedged] = sup.workers.map((w) => w.pid);
  await until(() => exits.length === 1 && sup.workers.length === 2 && sup.workers.every((w) => w.state === 'ready'));
  expect(exits[0]).toMatchObject({ pid: wedged, slot: 1, signal: 'SIGKILL' });
  expect(log.lines).toContainEqual(expect.stringMatching(new RegExp(`^error: child ${wedged} has not answered a heartbeat for \\d+ ms, killing it$`)));
  expect(sup.workers[0]?.pid).toBe(healthy);
  expect(sup.workers[1]).toMatchObject({ slot: 1, generation: 1 });
  expect(sup.workers[1]?.pid).not.toBe(wedged);
  await new Promise((r) => setTimeout(r, 800));
  expect(exits).toHaveLength(1);
  expect(sup.heartbeatHealthy(500)).toBe(true);
  rmSync(dir, { recursive: true, force: true });
});

test('dynamic growth and shrink through the group: members added, retired gracefully, counted on every tick', async () => {
  const g = group({ heartbeatIntervalMs: 100 });
  let ticks = 0;
  g.on('tick', () => ticks++);
  g.start();
  const exits = exitsOf(g);
  const grown = [1, 2, 3].map((n) => g.spawn(workerSpec(), { n }));
  await g.settled(grown, 5000);
  expect(g.size).toBe(3);
  expect(grown.every((m) => m.worker.state === 'ready')).toBe(true);

  // Shrink: the two oldest retire gracefully ("quit"), as php-fpm's idle_kill does.
  const retired = await g.stop(grown.slice(0, 2), { graceful: true, gracefulTimeoutMs: 2000 });
  expect(retired.map((e) => ({ code: e.code, expected: e.expected }))).toEqual([
    { code: 0, expected: true },
    { code: 0, expected: true },
  ]);
  expect([...g.members]).toEqual([grown[2]]);
  expect(exits).toHaveLength(2);
  expect(grown[0]?.exit).toBe(retired[0]);

  // Grow again: nothing respawns on its own in a group without a slot policy.
  const added = g.spawn(workerSpec(), { n: 4 });
  await g.settled([added], 5000);
  expect(g.size).toBe(2);
  await until(() => ticks >= 3);
  expect(g.heartbeatHealthy(1000)).toBe(true);
});

test('abnormal exits count towards a crash storm unless the owner says they were its own doing', async () => {
  const g = group({
    crashStorm: { threshold: 3, intervalMs: 10_000 },
    countsTowardsCrashStorm: (_exit, member) => member.tag.n !== 0,
  });
  const storms: string[] = [];
  g.on('crash-storm', (s) => storms.push(s.line));
  const failing = (n: number): Member =>
    g.spawn({ command: 'sh', args: ['-c', 'exit 3'], placement: 'fcgi' }, { n });
  const own = [0, 0, 0].map(failing);
  await until(() => own.every((m) => m.exit));
  expect(storms).toEqual([]);
  const crashed = [1, 2, 3].map(failing);
  await until(() => crashed.every((m) => m.exit));
  expect(storms).toEqual(['failed processes threshold (3 in 10 sec) is reached']);
  expect(g.lines.filter((l) => /^warn: child \d+ exited with code 3 after /.test(l))).toHaveLength(6);
});
