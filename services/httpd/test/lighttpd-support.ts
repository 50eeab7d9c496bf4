// Test support: the real lighttpd 1.4.69 as the reference peer, started -D on config text (its
// port borrowed from the kernel, since lighttpd cannot report a port 0 it bound), stopped by the test.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '@libs/testing';
import { until } from './serve-support';

export const LIGHTTPD = ['/usr/sbin/lighttpd', '/usr/bin/lighttpd'].find((p) => fs.existsSync(p));

export interface RunningLighttpd {
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts lighttpd -D with `lines` after server.bind/port/errorlog (written to `dir`); resolves once it logged "server started". */
export async function startLighttpd(lines: string, dir: string): Promise<RunningLighttpd> {
  if (LIGHTTPD === undefined) throw new Error('lighttpd is not installed: install the Debian package "lighttpd"');
  const port = await freePort();
  const conf = path.join(dir, 'lighttpd.conf');
  const log = path.join(dir, 'lighttpd-error.log');
  fs.rmSync(log, { force: true });
  fs.writeFileSync(conf, `server.bind = "127.0.0.1"\nserver.port = ${port}\nserver.errorlog = "${log}"\n${lines}\n`);
  const child = spawn(LIGHTTPD, ['-D', '-f', conf], { stdio: 'ignore' });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  try {
    await until(() => child.exitCode !== null || (fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('server started')));
  } catch (e) {
    await stop();
    throw e;
  }
  if (child.exitCode !== null) throw new Error(`lighttpd exited with ${child.exitCode}: ${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`);
  return { port, stop };
}
