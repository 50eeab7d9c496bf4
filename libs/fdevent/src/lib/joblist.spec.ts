// Joblist and trigger tests: one drain per loop turn, no duplicates, re-queued items wait for the
// next turn; the trigger's cached clock and per-second Date header.
import { Joblist } from './joblist';
import { Trigger } from './trigger';

const turn = () => new Promise((r) => setImmediate(r));

test('the joblist drains once per loop turn and never runs an item twice in a turn', async () => {
  const ran: string[] = [];
  const a = { id: 'a', inJoblist: false };
  const b = { id: 'b', inJoblist: false };
  const list: Joblist<typeof a> = new Joblist((item) => {
    ran.push(item.id);
    // an item that asks again runs on the next turn, not in this drain
    if (item === a && ran.length === 1) list.append(a);
  });
  list.append(a);
  list.append(b);
  list.append(a);
  expect(list.size).toBe(2);
  expect(ran).toEqual([]);
  await turn();
  expect(ran).toEqual(['a', 'b']);
  await turn();
  expect(ran).toEqual(['a', 'b', 'a']);
});

test('the trigger caches seconds and formats the Date header once per second', () => {
  const t = new Trigger();
  const seen: number[] = [];
  const off = t.subscribe((now) => seen.push(now));
  t.tick();
  off();
  expect(seen).toEqual([t.now]);
  expect(Math.abs(t.now - Date.now() / 1000)).toBeLessThan(2);
  expect(t.httpDate).toBe(new Date(t.now * 1000).toUTCString());
  expect(t.httpDate).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
});
