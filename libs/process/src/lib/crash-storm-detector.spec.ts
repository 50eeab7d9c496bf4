// White-box tests of CrashStormDetector with a hand-driven clock.
import { CrashStormDetector } from './crash-storm-detector';

function detector(threshold: number, intervalMs: number) {
  let now = 0;
  const d = new CrashStormDetector(threshold, intervalMs, () => now);
  const storms: string[] = [];
  d.on('crash-storm', (s) => storms.push(s.line));
  return { d, storms, at: (t: number) => (now = t) };
}

test('N failures within the interval make a storm, then counting starts afresh', () => {
  const { d, storms, at } = detector(3, 10_000);
  at(0);
  expect(d.record()).toBe(false);
  at(4000);
  expect(d.record()).toBe(false);
  at(9000);
  expect(d.record()).toBe(true);
  expect(storms).toEqual(['failed processes threshold (3 in 10 sec) is reached']);
  at(9500);
  expect(d.record()).toBe(false);
});

test('failures spread wider than the interval never make a storm', () => {
  const { d, storms, at } = detector(3, 1000);
  for (const t of [0, 600, 1200, 1800, 2400, 3000]) {
    at(t);
    d.record();
  }
  expect(storms).toEqual([]);
  at(3100);
  expect(d.record()).toBe(true);
});

test('a threshold or interval of 0 disables detection', () => {
  const { d, storms } = detector(0, 1000);
  for (let i = 0; i < 10; i++) d.record();
  expect(d.enabled).toBe(false);
  expect(storms).toEqual([]);
});
