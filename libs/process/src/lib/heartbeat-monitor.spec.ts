// White-box tests of the heartbeat probe with fake workers and a hand-driven clock.
import { HeartbeatMonitor, heartbeatSilenceMs, type HeartbeatTarget } from './heartbeat-monitor';

class FakeWorker implements HeartbeatTarget {
  pings: number[] = [];
  lastPongAt: number | undefined;
  constructor(
    readonly pid: number,
    public state: string,
    readonly readyAt: number | undefined,
    readonly hasChannel = true,
  ) {}
  ping(seq: number): boolean {
    this.pings.push(seq);
    return true;
  }
}

test('only ready workers with a channel are pinged and judged; the wedged pid is named', () => {
  let now = 0;
  const a = new FakeWorker(10, 'ready', 0);
  const b = new FakeWorker(11, 'ready', 0);
  const starting = new FakeWorker(12, 'starting', undefined);
  const external = new FakeWorker(13, 'ready', 0, false);
  const m = new HeartbeatMonitor(() => [a, b, starting, external], () => now);
  m.pingAll();
  expect([a.pings, b.pings, starting.pings, external.pings]).toEqual([[1], [1], [], []]);
  now = 300;
  a.lastPongAt = 250;
  expect(m.check(500)).toEqual({ ok: true });
  now = 700;
  expect(m.check(500)).toEqual({ ok: false, reason: 'child 11 has not answered a heartbeat for 700 ms' });
  expect(m.healthy(500)).toBe(false);
  b.state = 'stopping';
  expect(m.probe(500)()).toEqual({ ok: true });
});

test('silence is counted from the last answer, or from "ready" for a worker that never answered', () => {
  const w = new FakeWorker(20, 'ready', 100);
  expect(heartbeatSilenceMs(w, 400)).toBe(300);
  w.lastPongAt = 350;
  expect(heartbeatSilenceMs(w, 400)).toBe(50);
  expect(heartbeatSilenceMs(new FakeWorker(21, 'starting', undefined), 400)).toBeUndefined();
  expect(heartbeatSilenceMs(new FakeWorker(22, 'ready', 0, false), 400)).toBeUndefined();
});
