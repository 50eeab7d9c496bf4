// The files a pool's JavaScript workers write: access.log and the slowlog. A worker runs as the
// pool's user and may not open them itself (a root-owned /var/log, say), so the master opens them
// as php-fpm's does (fpm_log_open(), fpm_conf.c's slowlog check), with php-fpm's mode, and every
// worker inherits the descriptors. SIGUSR1 opens them again after rotation; the workers holding
// the old ones are then replaced, as php-fpm's fpm_log_open(1) has its children quit.
import fs from 'node:fs';
import type { PoolConfig } from '../config';
import { accessLogUnopenable, slowlogUnopenable } from '../errors';
import { openLogFile } from '../log-file-open';

export class PoolLogFiles {
  private accessFd: number | null = null;
  private slowlogFd: number | null = null;

  /** Throws FpmError (php-fpm's words) when a file cannot be opened. */
  constructor(private readonly config: Readonly<PoolConfig>) {
    const access = config['access.log'];
    const slowlog = config.request_slowlog_timeout > 0 ? config.slowlog : null;
    try {
      if (access !== null) this.accessFd = openLogFile(access, accessLogUnopenable);
      if (slowlog !== null) this.slowlogFd = openLogFile(slowlog, slowlogUnopenable);
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
    const access = reopened(this.config['access.log'], this.accessFd);
    const slowlog = reopened(this.config.slowlog, this.slowlogFd);
    this.accessFd = access ?? this.accessFd;
    this.slowlogFd = slowlog ?? this.slowlogFd;
    return this.accessFd === null ? null : access !== null;
  }

  close(): void {
    for (const fd of [this.accessFd, this.slowlogFd]) if (fd !== null) fs.closeSync(fd);
    this.accessFd = this.slowlogFd = null;
  }
}

/** A new descriptor for `path` in place of `old` (closed), or null: none held, or it cannot be opened. */
function reopened(path: string | null, old: number | null): number | null {
  if (path === null || old === null) return null;
  try {
    const fd = openLogFile(path, accessLogUnopenable);
    fs.closeSync(old);
    return fd;
  } catch {
    return null;
  }
}
