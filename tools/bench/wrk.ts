// wrk, pinned to its own core, and the two numbers we read from it.
import { spawnSync } from 'node:child_process';

export interface WrkResult {
  readonly requestsPerSec: number;
  readonly bytesPerSec: number;
  readonly non2xx: number;
  readonly errors: number;
}

const UNITS: Readonly<Record<string, number>> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

export function runWrk(url: string, options: { core: number; seconds: number; connections: number }): WrkResult {
  const args = ['-c', String(options.core), 'wrk', '-t1', `-c${options.connections}`, `-d${options.seconds}s`, url];
  const run = spawnSync('taskset', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`wrk failed: ${run.stderr || run.stdout}`);
  const out = run.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const transfer = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(out);
  const bytesPerSec = transfer ? Number(transfer[1]) * (UNITS[transfer[2] ?? 'B'] ?? 1) : NaN;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = errs ? errs.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return { requestsPerSec: rps, bytesPerSec, non2xx, errors };
}
