// Open file descriptors of this process and its limit: lighttpd counts srv->cur_fds against
// server.max-fds (default: the RLIMIT_NOFILE soft limit) to disable sockets before running out.
import fs from 'node:fs';

/** Open fds now, read from /proc/self/fd (the directory's own fd not counted). */
export function countOpenFds(): number {
  return fs.readdirSync('/proc/self/fd').length - 1;
}

/** The soft RLIMIT_NOFILE, from /proc/self/limits ("Max open files  soft  hard  files"). */
export function fdSoftLimit(): number {
  const line = fs
    .readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : 4096;
}
