// White-box tests of the one-timer DeadlineTimer, with real (short) timers.
import { DeadlineTimer } from './supervisor-deadlines';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('deadlines fire in due order from one timer; cancelled ones never fire', async () => {
  const t = new DeadlineTimer();
  const fired: string[] = [];
  t.after(60, () => fired.push('late'));
  t.after(10, () => fired.push('early'));
  const cancel = t.after(30, () => fired.push('cancelled'));
  expect(t.pending).toBe(3);
  cancel();
  expect(t.pending).toBe(2);
  await sleep(120);
  expect(fired).toEqual(['early', 'late']);
  expect(t.pending).toBe(0);
});

test('close() drops every pending deadline', async () => {
  const t = new DeadlineTimer();
  const fired: string[] = [];
  t.after(10, () => fired.push('x'));
  t.close();
  await sleep(40);
  expect(fired).toEqual([]);
});
