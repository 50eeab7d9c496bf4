// White-box checks of the election (lighttpd 1.4.69 gw_backend.c gw_host_get and algo_md.h djbhash).
import { gwHash, parseBalance, pickHost, type Candidate } from './balance';

const req = { path: '/index.php', authority: 'example.test', remoteIp: '192.0.2.7' };
const host = (up: boolean, load: number, name: string, port = 0): Candidate => ({ up, load, hash: gwHash(name), port });

test('djbhash: hash * 33 ^ byte from 5381, over 32 bits', () => {
  expect(gwHash('')).toBe(5381);
  expect(gwHash('a')).toBe(((5381 * 33) ^ 0x61) >>> 0);
  // wraps at 2^32 as uint32_t does
  expect(gwHash('x'.repeat(64))).toBeLessThan(2 ** 32);
});

test('round-robin goes on after the last one used, skips backends down, wraps, and is -1 when all are down', () => {
  const hosts = [host(true, 0, 'a'), host(false, 0, 'b'), host(true, 0, 'c')];
  let last = -1;
  const order: number[] = [];
  for (let i = 0; i < 4; i++) {
    const got = pickHost(hosts, 'round-robin', last, req);
    order.push(got.ndx);
    last = got.lastUsed;
  }
  expect(order).toEqual([0, 2, 0, 2]);
  expect(pickHost([host(false, 0, 'a'), host(false, 0, 'b')], 'round-robin', 0, req)).toEqual({ ndx: -1, lastUsed: -1 });
});

test('fair takes the least loaded backend up, the first on a tie', () => {
  expect(pickHost([host(true, 2, 'a'), host(true, 1, 'b'), host(true, 1, 'c')], 'fair', -1, req).ndx).toBe(1);
  expect(pickHost([host(true, 0, 'a'), host(true, 0, 'b')], 'fair', -1, req).ndx).toBe(0);
  expect(pickHost([host(false, 0, 'a'), host(true, 5, 'b')], 'fair', -1, req).ndx).toBe(1);
});

test('hash and sticky: the backend with the highest hash ^ backend hash, the same every time, never one down', () => {
  const hosts = [host(true, 0, '/run/a.sock'), host(true, 0, '/run/b.sock')];
  const base = gwHash(req.authority, gwHash(req.path));
  const want = (base ^ (hosts[0] as Candidate).hash) >>> 0 >= (base ^ (hosts[1] as Candidate).hash) >>> 0 ? 0 : 1;
  expect(pickHost(hosts, 'hash', -1, req).ndx).toBe(want);
  const down = hosts.map((h, i) => ({ ...h, up: i !== want }));
  expect(pickHost(down, 'hash', -1, req).ndx).toBe(1 - want);
  const sticky = pickHost(hosts, 'sticky', -1, req).ndx;
  expect(pickHost(hosts, 'sticky', -1, { ...req, path: '/other' }).ndx).toBe(sticky);
});

test('fastcgi.balance words: lighttpd\'s, "least-connection" meaning fair, nothing else', () => {
  expect(parseBalance('least-connection')).toBe('fair');
  expect(parseBalance('sticky')).toBe('sticky');
  expect(parseBalance('random')).toBeNull();
});
