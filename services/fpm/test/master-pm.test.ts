// pm = dynamic and pm = ondemand: spare children follow the load, idle ones are retired, and an
// ondemand pool starts with no child at all and starts one for the first connection.
import { eventually, FpmUnderTest, sleep } from './master-harness';

let fpm: FpmUnderTest | undefined;

afterEach(async () => {
  await fpm?.stop();
  fpm = undefined;
});

test('dynamic: a busy pool gets a spare child, and loses it again once idle', async () => {
  fpm = await FpmUnderTest.start(`[global]
error_log = /dev/stderr
log_level = debug
[www]
listen = @DIR@/www.sock
pm = dynamic
pm.max_children = 4
pm.start_servers = 1
pm.min_spare_servers = 1
pm.max_spare_servers = 1
pm.status_path = /status
`);
  const sock = fpm.path('www.sock');
  await fpm.waitLine(/\[pool www\] child \d+ started/);
  const slow = fpm.request(sock, 'slow.js', 'ms=3000');
  // The only child is busy: the next maintenance starts a spare one.
  await fpm.waitLine(/DEBUG: \[pool www\] child \d+ started/, 5000);
  await fpm.waitLine(/DEBUG: \[pool www\] 1 child\(ren\) have been created dynamically/);
  const busy = await fpm.statusJson(sock);
  expect(busy['total processes']).toBe(2);
  expect((await slow).body).toBe('slept 3000');
  // Two idle children, max_spare_servers = 1: the oldest idle one is retired.
  const after = await eventually(async () => {
    const s = await fpm?.statusJson(sock);
    return s !== undefined && s['total processes'] === 1 ? s : undefined;
  }, 8000, 300);
  expect(after.processes).toHaveLength(1);
});

test('ondemand: no child at start, one for the first request, retired after pm.process_idle_timeout', async () => {
  fpm = await FpmUnderTest.start(
    `[global]
error_log = /dev/stderr
log_level = debug
[www]
listen = @DIR@/www.sock
pm = ondemand
pm.max_children = 3
pm.process_idle_timeout = 2s
`,
  );
  const sock = fpm.path('www.sock');
  await sleep(1500);
  expect(fpm.all.some((l) => /child \d+ started/.test(l))).toBe(false);
  const res = await fpm.request(sock, 'hello.mjs');
  expect(res.body).toBe('hello');
  const started = await fpm.waitLine(/DEBUG: \[pool www\] child (\d+) started/);
  await fpm.waitLine(/DEBUG: \[pool www\] got accept without idle child available \.\.\.\. I forked/);
  const pid = /child (\d+) started/.exec(started)?.[1] ?? '';
  // A second request while the child is idle goes to that same child.
  expect((await fpm.request(sock, 'pid.js')).body).toBe(pid);
  await fpm.waitLine(new RegExp(`DEBUG: \\[pool www\\] child ${pid} exited with code 0 after`), 8000);
  // And the pool still answers afterwards, with a new child.
  expect((await fpm.request(sock, 'hello.mjs')).body).toBe('hello');
});
