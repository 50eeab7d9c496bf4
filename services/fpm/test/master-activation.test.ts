// Socket activation: systemd-socket-activate holds the socket and starts fpm-ts on the first
// connection; the fd named like the pool (FileDescriptorName=www) becomes that pool's socket,
// and the connection that caused the start is served.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLines, tsEnv, tsNodeArgs } from '@libs/testing';
import { BIN, cgiFcgi, FIXTURES } from './master-harness';

let dir: string;
let proc: ChildProcess | undefined;

afterEach(async () => {
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    const exited = new Promise((resolve) => proc?.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  }
  proc = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the activated fd named after the pool serves the first request', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fpm-activation-'));
  fs.copyFileSync(path.join(FIXTURES, 'hello.mjs'), path.join(dir, 'hello.mjs'));
  const activated = path.join(dir, 'activated.sock');
  // The configured address is never bound: the pool takes systemd's socket instead.
  fs.writeFileSync(path.join(dir, 'fpm.conf'), `[global]\nerror_log = /dev/stderr\n[www]\nlisten = ${dir}/configured.sock\npm = static\npm.max_children = 1\n`);
  proc = spawn(
    'systemd-socket-activate',
    ['-l', activated, '--fdname=www', '-E', 'TSX_TSCONFIG_PATH', process.execPath, ...tsNodeArgs(BIN, ['-F', '-R', '-y', path.join(dir, 'fpm.conf')])],
    { env: tsEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const lines = readLines(proc.stderr);
  await lines.next((l) => l.includes(`Listening on ${activated}`));
  const res = await cgiFcgi(activated, { REQUEST_METHOD: 'GET', SCRIPT_FILENAME: path.join(dir, 'hello.mjs'), SCRIPT_NAME: '/hello.mjs' });
  expect(res.body).toBe('hello');
  await lines.next((l) => /NOTICE: ready to handle connections/.test(l));
  expect(fs.existsSync(path.join(dir, 'configured.sock'))).toBe(false);
});
