// [global] rlimit_files, rlimit_core and process.priority for the master itself (php-fpm's
// fpm_unix_init_main): Node has no setrlimit(2), so util-linux's prlimit sets them on our own pid;
// children inherit them unless their pool sets its own.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import type { GlobalConfig } from '../config';
import { FpmError } from '../errors';

export function applyMasterLimits(global: Readonly<GlobalConfig>): void {
  const limits: Array<[string, number]> = [];
  if (global.rlimit_files !== null) limits.push(['nofile', global.rlimit_files]);
  if (global.rlimit_core !== null) limits.push(['core', global.rlimit_core]);
  for (const [name, value] of limits) {
    const run = spawnSync('prlimit', ['--pid', String(process.pid), `--${name}=${value}:${value}`], { encoding: 'utf8' });
    if (run.status !== 0) {
      const directive = name === 'nofile' ? 'rlimit_files' : 'rlimit_core';
      throw new FpmError(
        'FPM_ERR_RLIMIT',
        `failed to set ${directive}. Please check your system limits or decrease ${directive}. ${(run.stderr || run.error?.message || '').trim()}`,
      );
    }
  }
  if (global['process.priority'] !== null) {
    try {
      os.setPriority(global['process.priority']);
    } catch (err) {
      throw new FpmError('FPM_ERR_PRIORITY', `Unable to set priority for the master process: ${(err as Error).message}`);
    }
  }
}
