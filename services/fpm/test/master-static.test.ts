// The master with pm = static: children serve through cgi-fcgi, the status page counts them,
// a killed child is logged and replaced, pm.max_requests recycles, request_terminate_timeout
// terminates a worker whose event loop a handler blocks (a request that merely waits is ended
// alone: master-request-timeout.test.ts).
import fs from 'node:fs';
import { FastcgiClientConnection } from '@libs/fastcgi';
import { eventually, FpmUnderTest } from './master-harness';

let fpm: FpmUnderTest | undefined;

afterEach(async () => {
  await fpm?.stop();
  fpm = undefined;
});

const conf = (extra = ''): string => `[global]
error_log = /dev/stderr
pid = @DIR@/fpm.pid
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 2
pm.status_path = /status
catch_workers_output = yes
${extra}
`;

test('a static pool serves and shows pm.max_children children on the status page', async () => {
  fpm = await FpmUnderTest.start(conf());
  const sock = fpm.path('www.sock');
  const res = await fpm.request(sock, 'hello.mjs');
  expect(res.body).toBe('hello');
  const status = await fpm.statusJson(sock);
  expect(status['process manager']).toBe('static');
  expect(status['total processes']).toBe(2);
  expect(status.processes).toHaveLength(2);
  expect(Number(fs.readFileSync(fpm.path('fpm.pid'), 'utf8'))).toBe(fpm.proc.pid);
  // As php-fpm: the children of start-up are logged at debug only (fpm_children_make(..., is_debug)).
  expect(fpm.all.filter((l) => /child \d+ started/.test(l))).toEqual([]);
  expect(fpm.all.some((l) => l.endsWith(`NOTICE: fpm is running, pid ${fpm?.proc.pid}`))).toBe(true);
  // Not under systemd, and still logged, as Debian's php-fpm (built with systemd support) does.
  // Once every first child is ready (that is when READY=1 would go out).
  await fpm.waitLine(/NOTICE: systemd monitor interval set to 10000ms$/);
});

test("the status page shows this moment's activity of every worker, as php-fpm's shared scoreboard does", async () => {
  fpm = await FpmUnderTest.start(conf());
  const sock = fpm.path('www.sock');
  const log = { error: () => undefined, warn: () => undefined, notice: () => undefined, info: () => undefined, debug: () => undefined };
  const params = (script: string, query = ''): Record<string, string> => ({
    REQUEST_METHOD: 'GET',
    SCRIPT_FILENAME: script.startsWith('/') ? script : (fpm?.path(script) ?? ''),
    SCRIPT_NAME: script.startsWith('/') ? script : `/${script}`,
    QUERY_STRING: query,
  });
  const connect = (): Promise<FastcgiClientConnection> => FastcgiClientConnection.connect({ path: sock }, { log });
  const pidOf = async (conn: FastcgiClientConnection): Promise<string> => (await conn.request({ params: params('pid.js') })).stdout.toString().split('\r\n\r\n')[1] ?? '';
  // Kept-alive connections, as a web server's, on two different workers: a request on one and
  // the status page on the other right after it, within the milliseconds a worker may otherwise
  // wait before reporting.
  const app = await connect();
  const appPid = await pidOf(app);
  // While the app connection's worker holds its event loop, the other one accepts.
  const held = app.request({ params: params('spin.js', 'hold=500') });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const status = await connect();
  try {
    expect((await held).stdout.toString()).toMatch(/held$/);
    expect(await pidOf(status)).not.toBe(appPid);
    for (let i = 1; i <= 10; i++) {
      expect((await app.request({ params: params('hello.mjs') })).stdout.toString()).toMatch(/hello$/);
      const page = JSON.parse((await status.request({ params: params('/status', 'json&full') })).stdout.toString().split('\r\n\r\n')[1] ?? '');
      expect([i, page['active processes'], page['idle processes']]).toEqual([i, 1, 1]);
    }
  } finally {
    app.destroy();
    status.destroy();
  }
});

test('a child killed with SIGKILL is logged as php-fpm does and replaced', async () => {
  fpm = await FpmUnderTest.start(conf());
  const sock = fpm.path('www.sock');
  const before = (await fpm.statusJson(sock)).processes.map((p) => p.pid);
  const victim = before[0] as number;
  process.kill(victim, 'SIGKILL');
  await fpm.waitLine(new RegExp(`WARNING: \\[pool www\\] child ${victim} exited on signal 9 \\(SIGKILL\\) after \\d+\\.\\d{6} seconds from start`));
  await fpm.waitLine(/NOTICE: \[pool www\] child \d+ started/);
  const after = await eventually(async () => {
    const pids = (await fpm?.statusJson(sock))?.processes.map((p) => p.pid) ?? [];
    return pids.length === 2 && !pids.includes(victim) ? pids : undefined;
  });
  expect(after).toContain(before[1]);
  expect((await fpm.request(sock, 'hello.mjs')).body).toBe('hello');
});

test('request_terminate_timeout also ends a handler that never yields to the event loop', async () => {
  fpm = await FpmUnderTest.start(conf('request_terminate_timeout = 1s').replace('pm.max_children = 2', 'pm.max_children = 1'));
  const sock = fpm.path('www.sock');
  // One worker, so the spinning request finds the module already loaded; a moment later, so its
  // worker reports it before running it (reports go at most every 100 ms).
  expect((await fpm.request(sock, 'spin.js')).body).toBe('loaded');
  await new Promise((resolve) => setTimeout(resolve, 250));
  const spinning = await fpm.request(sock, 'spin.js', 'spin');
  expect(spinning.body).toBe('');
  await fpm.waitLine(/WARNING: \[pool www\] child \d+, script '.*spin\.js' \(request: "GET \/spin\.js\?spin"\) execution timed out \(\d\.\d{6} sec\), terminating/);
  // Its blocked event loop cannot end the request alone: the worker is terminated.
  await fpm.waitLine(/WARNING: \[pool www\] child \d+ exited on signal 15 \(SIGTERM\)/);
  expect((await fpm.request(sock, 'hello.mjs')).body).toBe('hello');
});

test('a worker whose event loop blocks after its last report is ended when its heartbeat goes silent', async () => {
  fpm = await FpmUnderTest.start(conf('request_terminate_timeout = 1s').replace('pm.max_children = 2', 'pm.max_children = 1'));
  const sock = fpm.path('www.sock');
  expect((await fpm.request(sock, 'spin.js', 'later')).body).toBe('answered');
  const line = await fpm.waitLine(/WARNING: \[pool www\] child \d+, script '-' \(request: "- -"\) execution timed out \(\d\.\d{6} sec\), terminating/);
  expect(line).toMatch(/its event loop is blocked/);
  await fpm.waitLine(/WARNING: \[pool www\] child \d+ exited on signal 15 \(SIGTERM\)/);
  expect((await fpm.request(sock, 'hello.mjs')).body).toBe('hello');
});

test('pm.max_requests recycles children: their pids change and no request fails', async () => {
  fpm = await FpmUnderTest.start(conf('pm.max_requests = 2'));
  const sock = fpm.path('www.sock');
  const pids = new Set<string>();
  for (let i = 0; i < 8; i++) {
    const res = await fpm.request(sock, 'pid.js');
    expect(res.status).toBe(200);
    pids.add(res.body);
  }
  expect(pids.size).toBeGreaterThanOrEqual(3);
  await fpm.waitLine(/NOTICE: \[pool www\] child \d+ exited with code 0 after/);
});
