// Process-level tests of the Supervisor's generation replacement (reload) and heartbeat probe.
import { cleanUp, ask, jsSpec, listenSocket, recorder, supervise, until } from './supervisor-helpers';
import type { SupervisedExit, WorkerSpec } from '../src';

afterEach(cleanUp);

test('generation replacement: new pids serve and the old ones quit gracefully; a generation that never gets ready is discarded', async () => {
  const { sock, port } = listenSocket();
  const spec = (tag: string, mode = 'serve'): WorkerSpec =>
    jsSpec(mode, { FIXTURE_LISTEN: mode === 'serve' ? '1' : '0', FIXTURE_TAG: tag }, { listenFds: [sock.fd] });
  const log = recorder();
  const sup = supervise({ workers: 2, log, spec: spec('g1') });
  const exits: SupervisedExit[] = [];
  sup.on('exit', (e) => exits.push(e));
  await sup.start();
  const oldPids = sup.workers.map((w) => w.pid);
  expect((await ask(port)).tag).toBe('g1');

  const replaced = await sup.replaceGeneration(spec('g2'));
  expect(replaced.generation).toBe(2);
  const retired = await replaced.retired;
  expect(retired.map((e) => e.pid).sort()).toEqual([...oldPids].sort());
  for (const e of retired) expect(e).toMatchObject({ code: 0, signal: null, expected: true, generation: 1 });
  for (let i = 0; i < 6; i++) {
    const a = await ask(port);
    expect(a.tag).toBe('g2');
    expect(replaced.pids).toContain(a.pid);
  }

  const failed = sup.replaceGeneration(spec('g3', 'never-ready'), { readyTimeoutMs: 1500 });
  await expect(failed).rejects.toMatchObject({ code: 'PROCESS_ERR_GENERATION_NOT_READY' });
  await expect(failed).rejects.toThrow(/not ready after 1500 ms/);
  expect(sup.currentGeneration).toBe(2);
  expect(sup.workers.map((w) => w.pid)).toEqual(replaced.pids);
  expect(exits.filter((e) => e.generation === 3)).toHaveLength(2);
  expect((await ask(port)).tag).toBe('g2');

  await expect(sup.replaceGeneration(spec('g4', 'exit1'))).rejects.toThrow(/exited with code 1 after/);
  expect(sup.workers.map((w) => w.pid)).toEqual(replaced.pids);
  expect(log.lines.some((l) => l.startsWith('warn: generation 4 failed: child '))).toBe(true);
});

test('heartbeat: a worker whose event loop is wedged fails the probe, naming its pid', async () => {
  const sup = supervise({
    workers: 2,
    heartbeatIntervalMs: 100,
    spec: jsSpec('wedge', { FIXTURE_WEDGE_SLOT: '1', FIXTURE_WEDGE_AFTER_MS: '600' }),
  });
  await sup.start();
  const probe = sup.heartbeatProbe(400);
  expect(probe()).toEqual({ ok: true });
  const [healthy, wedged] = sup.workers.map((w) => w.pid);
  await until(() => !sup.heartbeatHealthy(400));
  const result = probe();
  expect(result.ok).toBe(false);
  expect(result.reason).toMatch(new RegExp(`^child ${wedged} has not answered a heartbeat for \\d+ ms$`));
  expect(result.reason).not.toContain(String(healthy));
});
