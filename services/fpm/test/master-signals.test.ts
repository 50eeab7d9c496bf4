// Crash storms and stop signals: emergency_restart_threshold triggers php-fpm's reload line,
// SIGQUIT lets the request in flight finish before the master says goodbye.
import { eventually, FpmUnderTest } from './master-harness';

let fpm: FpmUnderTest | undefined;

afterEach(async () => {
  await fpm?.stop();
  fpm = undefined;
});

test('a crash storm reaches emergency_restart_threshold and the master reloads', async () => {
  fpm = await FpmUnderTest.start(`[global]
error_log = /dev/stderr
emergency_restart_threshold = 3
emergency_restart_interval = 30s
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 2
`);
  const sock = fpm.path('www.sock');
  for (let i = 0; i < 3; i++) {
    const res = await fpm.request(sock, 'crash.js');
    expect(res.body).toBe('');
    await fpm.waitLine(/WARNING: \[pool www\] child \d+ exited with code 3 after/);
  }
  await fpm.waitLine(/WARNING: failed processes threshold \(3 in 30 sec\) is reached, initiating reload/);
  await fpm.waitLine(/NOTICE: ready to handle connections/);
  expect((await fpm.request(sock, 'hello.mjs')).body).toBe('hello');
});

test('SIGQUIT finishes the request in flight, then the master exits 0', async () => {
  fpm = await FpmUnderTest.start(`[global]
error_log = /dev/stderr
process_control_timeout = 10s
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 1
pm.status_path = /status
`);
  const sock = fpm.path('www.sock');
  const slow = fpm.request(sock, 'slow.js', 'ms=2000');
  // Only a request a child has taken is "in flight"; one still in the backlog is not.
  await eventually(async () => ((await fpm?.statusJson(sock))?.['active processes'] === 1 ? true : undefined));
  fpm.signal('SIGQUIT');
  await fpm.waitLine(/NOTICE: Finishing \.\.\./);
  const res = await slow;
  expect(res.body).toBe('slept 2000');
  await fpm.waitLine(/NOTICE: exiting, bye-bye!/);
  expect(await fpm.exited()).toBe(0);
});

test('SIGTERM stops at once with php-fpm\'s lines', async () => {
  fpm = await FpmUnderTest.start(`[global]
error_log = /dev/stderr
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 2
`);
  fpm.signal('SIGTERM');
  await fpm.waitLine(/NOTICE: Terminating \.\.\./);
  await fpm.waitLine(/NOTICE: exiting, bye-bye!/);
  expect(await fpm.exited()).toBe(0);
});
