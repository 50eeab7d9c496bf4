// sd_notify from the master, received on our own NOTIFY_SOCKET as systemd would: READY=1 once
// the first children are ready, php-fpm's STATUS= line, RELOADING=1 then READY=1 around
// SIGUSR2, STOPPING=1 on SIGTERM.
import fs from 'node:fs';
import { NotifyReceiver, parseNotifyMessage } from '@libs/testing';
import { FpmUnderTest } from './master-harness';

let fpm: FpmUnderTest | undefined;
let receiver: NotifyReceiver | undefined;

afterEach(async () => {
  await fpm?.stop();
  fpm = undefined;
  receiver?.close();
  receiver = undefined;
});

test('READY, STATUS, RELOADING/READY and STOPPING datagrams', async () => {
  receiver = await NotifyReceiver.create();
  const r = receiver;
  fpm = await FpmUnderTest.start(
    `[global]
error_log = /dev/stderr
systemd_interval = 1
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 2
`,
    { env: { NOTIFY_SOCKET: r.path } },
  );
  const ready = parseNotifyMessage(await r.waitFor((m) => m.startsWith('READY=1'), 20000));
  expect(ready).toEqual({ READY: '1', STATUS: 'Ready to handle connections', MAINPID: String(fpm.proc.pid) });
  await fpm.waitLine(/NOTICE: systemd monitor interval set to 1000ms/);
  expect((await fpm.request(fpm.path('www.sock'), 'hello.mjs')).body).toBe('hello');
  const status = await r.waitFor((m) => /^STATUS=Processes active: 0, idle: 2, Requests: 1, slow: 0, Traffic: /.test(m), 5000);
  expect(status).toMatch(/Traffic: [\d.e+-]+req\/sec$/);

  // The reload brings a new systemd_interval, which the STATUS= timer takes up, as php-fpm's re-exec does.
  const conf = fpm.path('fpm.conf');
  fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace('systemd_interval = 1', 'systemd_interval = 2'));
  fpm.signal('SIGUSR2');
  const reloading = parseNotifyMessage(await r.waitFor((m) => m.startsWith('RELOADING=1'), 10000));
  expect(reloading['MONOTONIC_USEC']).toMatch(/^\d+$/);
  const readyAgain = await r.waitFor((m) => m.startsWith('READY=1') && r.messages.filter((x) => x.startsWith('READY=1')).length === 2, 20000);
  expect(parseNotifyMessage(readyAgain)).toEqual(ready);
  await fpm.waitLine(/NOTICE: systemd monitor interval set to 2000ms/);

  fpm.signal('SIGTERM');
  await r.waitFor((m) => m.startsWith('STOPPING=1'), 10000);
  expect(await fpm.exited()).toBe(0);
});
