// Differential test of start-up failures after the configuration was fine (php-fpm's fpm_init()):
// Debian's php-fpm8.2 -F and fpm-ts -F started on the same broken set-up must exit with the same
// code and log the same ERROR lines, in the same place (the error log once it is open).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { tsEnv, tsNodeArgs } from '@libs/testing';
import { BIN } from './master-harness';

const PHP_FPM = '/usr/sbin/php-fpm8.2';
let dir: string;
let busy: net.Server;
let busyPort: number;

beforeAll(async () => {
  if (!fs.existsSync(PHP_FPM)) throw new Error(`${PHP_FPM} is missing: run tools/setup/install-debian-packages.sh`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fpm-startup-parity-'));
  // A port somebody else already listens on.
  busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => busy.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number | null;
  /** ERROR lines without their timestamps, from stderr then the error log. */
  errors: string[];
  running: boolean;
}

/** Runs one server on `conf` until it exits (it must: start-up fails), killing it after 20 s. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, errorLog: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const proc = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20000);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      const text = stderr + (fs.existsSync(errorLog) ? fs.readFileSync(errorLog, 'utf8') : '');
      const errors = [...text.matchAll(/ERROR: (.*)/g)].map((m) => m[1] ?? '');
      resolve({ code, errors, running: text.includes('fpm is running') });
    });
  });
}

const cases: Array<[string, (d: string) => { global: string; listen: string }]> = [
  ['a unix socket in a directory that does not exist', (d) => ({ global: `pid = ${d}/fpm.pid`, listen: `${d}/missing/www.sock` })],
  ['a TCP port already in use', (d) => ({ global: `pid = ${d}/fpm.pid`, listen: `127.0.0.1:${busyPort}` })],
  ['a pid file in a directory that does not exist', (d) => ({ global: `pid = ${d}/missing/fpm.pid`, listen: `${d}/www.sock` })],
];

/** Each server started with `flag` on the set-up `setup` makes; php-fpm's outcome first. */
async function outcomes(name: string, flag: '-F' | '-D', setup: (d: string) => { global: string; listen: string }): Promise<Outcome[]> {
  const results: Outcome[] = [];
  for (const server of ['php-fpm', 'fpm-ts']) {
    const d = path.join(dir, `${name.replace(/\W+/g, '-')}${flag}-${server}`);
    fs.mkdirSync(d);
    const { global, listen } = setup(d);
    const log = path.join(d, 'error.log');
    const conf = path.join(d, 'fpm.conf');
    fs.writeFileSync(conf, `[global]\nerror_log = ${log}\n${global}\n[www]\nuser = nobody\nlisten = ${listen}\npm = static\npm.max_children = 1\n`);
    const args = [flag, '-R', '-y', conf];
    results.push(server === 'php-fpm' ? await run(PHP_FPM, args, {}, log) : await run(process.execPath, tsNodeArgs(BIN, args), tsEnv({}), log));
  }
  return results;
}

describe('start-up failures match php-fpm8.2', () => {
  it.each(cases)('%s', async (name, setup) => {
    const [php, ours] = await outcomes(name, '-F', setup);
    // Each must have failed for the reason the case is about.
    expect(php?.errors.length).toBeGreaterThanOrEqual(2);
    expect(ours).toEqual({ ...php, errors: (php?.errors ?? []).map((line) => line.replaceAll('-F-php-fpm/', '-F-fpm-ts/')) });
  });

  it('daemonized (-D): the foreground exits 70 and the error log says why', async () => {
    const [php, ours] = await outcomes('daemon', '-D', cases[0]?.[1] ?? (() => ({ global: '', listen: '' })));
    expect(php?.code).toBe(70);
    expect(ours?.code).toBe(70);
    expect(php?.errors.length).toBeGreaterThanOrEqual(2);
    for (const line of php?.errors ?? []) expect(ours?.errors).toContain(line.replaceAll('-D-php-fpm/', '-D-fpm-ts/'));
  });
});
