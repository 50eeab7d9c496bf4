// Unit tests of WATCHDOG_USEC/WATCHDOG_PID parsing (sd_watchdog_enabled semantics) and of the
// lag probe on a really stalled event loop.
import { createEventLoopLagProbe, watchdogUsec } from './watchdog';

describe('watchdogUsec', () => {
  it.each([
    [{ WATCHDOG_USEC: '400000' }, 400000],
    [{ WATCHDOG_USEC: '400000', WATCHDOG_PID: '4242' }, 400000],
    [{ WATCHDOG_USEC: '400000', WATCHDOG_PID: '1' }, undefined],
    [{ WATCHDOG_USEC: '0' }, undefined],
    [{ WATCHDOG_USEC: 'soon' }, undefined],
    [{}, undefined],
  ])('%j -> %s', (env, expected) => {
    expect(watchdogUsec(env, 4242)).toBe(expected);
  });
});

describe('createEventLoopLagProbe', () => {
  it('fails after the loop was stalled beyond the limit, passes on the next quiet window', async () => {
    const probe = createEventLoopLagProbe({ maxLagMs: 100 });
    try {
      await new Promise((r) => setTimeout(r, 30));
      const end = Date.now() + 300;
      while (Date.now() < end);
      const stalled = probe.check();
      expect(stalled.ok).toBe(false);
      await new Promise((r) => setTimeout(r, 50));
      expect(probe.check()).toEqual({ ok: true });
    } finally {
      probe.close?.();
    }
  });
});
