// SIGUSR2: a broken configuration is reported and the running pools keep serving; a good one
// replaces the children while the listening socket stays open, so a loop of requests loses none.
import fs from 'node:fs';
import { eventually, FpmUnderTest } from './master-harness';

let fpm: FpmUnderTest | undefined;

afterEach(async () => {
  await fpm?.stop();
  fpm = undefined;
});

const conf = (children: number): string => `[global]
error_log = /dev/stderr
log_level = debug
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = ${children}
`;

test('SIGUSR2 with a broken configuration logs why and keeps serving', async () => {
  fpm = await FpmUnderTest.start(conf(1));
  const sock = fpm.path('www.sock');
  fs.writeFileSync(fpm.path('fpm.conf'), `[global]\nerror_log = /dev/stderr\n[www]\nlisten = ${sock}\npm = static\npm.max_children = 0\n`);
  fpm.signal('SIGUSR2');
  await fpm.waitLine(/NOTICE: Reloading in progress \.\.\./);
  await fpm.waitLine(/ALERT: \[pool www\] pm.max_children must be a positive value/);
  await fpm.waitLine(/ERROR: failed to reload the configuration from '.*fpm\.conf': the running pools keep serving/);
  expect((await fpm.request(sock, 'hello.mjs')).body).toBe('hello');
});

test('SIGUSR2 under a loop of requests loses none and brings the new pool size', async () => {
  fpm = await FpmUnderTest.start(conf(1));
  const sock = fpm.path('www.sock');
  const failures: string[] = [];
  let served = 0;
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const res = await fpm?.request(sock, 'hello.mjs');
      if (res?.body === 'hello') served++;
      else failures.push(JSON.stringify(res));
    }
  };
  const loops = [loop(), loop()];
  fs.writeFileSync(fpm.path('fpm.conf'), conf(3).replaceAll('@DIR@', fpm.dir));
  fpm.signal('SIGUSR2');
  await fpm.waitLine(/NOTICE: Reloading in progress \.\.\./);
  await fpm.waitLine(/NOTICE: ready to handle connections/, 20000);
  await new Promise((r) => setTimeout(r, 1500));
  running = false;
  await Promise.all(loops);
  expect(failures).toEqual([]);
  // php-fpm re-execs on reload and logs a new start on the inherited socket; fpm-ts says the same.
  const reloadLines = fpm.all.slice(fpm.all.findIndex((l) => l.includes('Reloading in progress')));
  const notices = reloadLines.filter((l) => /NOTICE: (using inherited|fpm is running|ready to handle|systemd monitor)/.test(l)).map((l) => l.replace(/^.*NOTICE: /, ''));
  expect(notices).toEqual([
    expect.stringMatching(new RegExp(`^using inherited socket fd=\\d+, "${sock}"$`)),
    `fpm is running, pid ${fpm.proc.pid}`,
    'ready to handle connections',
    'systemd monitor interval set to 10000ms',
  ]);
  expect(served).toBeGreaterThan(0);
  expect(fpm.all.filter((l) => /\[pool www\] child \d+ started/.test(l)).length).toBeGreaterThanOrEqual(4);
});

test('SIGUSR1 reopens the error log after rotation', async () => {
  fpm = await FpmUnderTest.start(
    `[global]
error_log = @DIR@/error.log
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 1
`,
    { waitFor: null },
  );
  const log = fpm.path('error.log');
  const read = (file: string): string => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
  await eventually(() => (read(log).includes('ready to handle connections') ? true : undefined), 20000);
  fs.renameSync(log, `${log}.1`);
  fpm.signal('SIGUSR1');
  await eventually(() => (read(log).includes('NOTICE: error log file re-opened') ? true : undefined));
  expect(read(`${log}.1`)).toMatch(/NOTICE: fpm is running, pid \d+/);
});
