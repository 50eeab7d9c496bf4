// The files a pool's JavaScript workers write: access.log and the slowlog. A worker runs as the
// pool's user and may not open them itself (a root-owned /var/log, say), so the master opens them
// as php-fpm's does (fpm_log_open(), fpm_conf.c's slowlog check), with php-fpm's mode, and every
// worker inherits the descriptors. SIGUSR1 opens them again after rotation; the workers holding
// the old ones are then replaced, as php-fpm's fpm_log_open(1) has its children quit.
import fs from 'node:fs';
import type { PoolConfig } from '../config';
import { accessLogUnopenable, slowlogUnopenable, sysErrorText } from '../errors';

/** php-fpm: open(path, O_WRONLY | O_APPEND | O_CREAT, S_IRUSR | S_IWUSR). */
const LOG_FILE_MODE = 0o600;

function openForAppend(path: string): number {
  return fs.openSync(path, 'a', LOG_FILE_MODE);
}

export class PoolLogFiles {
  private accessFd: number | null = null;
  private slowlogFd: number | null = null;

  /** Throws FpmError (php-fpm's words) when a file cannot be opened. */
  constructor(private readonly config: Readonly<PoolConfig>) {
    const access = config['access.log'];
    const slowlog = config.request_slowlog_timeout > 0 ? config.slowlog : null;
    try {
      if (access !== null) this.accessFd = tryOpen(access, (why) => accessLogUnopenable(access, why));
      if (slowlog !== null) this.slowlogFd = tryOpen(slowlog, (why) => slowlogUnopenable(slowlog, why));
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** The descriptors a worker inherits, in this order: access.log, then the slowlog. */
  get fds(): { access: number | null; slowlog: number | null } {
    return { access: this.accessFd, slowlog: this.slowlogFd };
  }

  /** The pool has an access log or a slowlog. */
  get any(): boolean {
    return this.accessFd !== null || this.slowlogFd !== null;
  }

  /**
   * Opens the files again (log rotation). Returns whether the access log could be opened, null
   * without one; a file that cannot be opened keeps its old descriptor.
   */
  reopen(): boolean | null {
    let ok = true;
    const again = (path: string | null, old: number | null): number | null => {
      if (path === null || old === null) return old;
      try {
        const fd = openForAppend(path);
        fs.closeSync(old);
        return fd;
      } catch {
        ok = false;
        return old;
      }
    };
    this.accessFd = again(this.config['access.log'], this.accessFd);
    const accessOk = this.accessFd === null ? null : ok;
    this.slowlogFd = again(this.config.slowlog, this.slowlogFd);
    return accessOk;
  }

  close(): void {
    for (const fd of [this.accessFd, this.slowlogFd]) if (fd !== null) fs.closeSync(fd);
    this.accessFd = this.slowlogFd = null;
  }
}

function tryOpen(path: string, fail: (why: string) => Error): number {
  try {
    return openForAppend(path);
  } catch (err) {
    throw fail(sysErrorText(err));
  }
}
