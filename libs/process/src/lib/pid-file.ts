// Pid file with lighttpd's semantics (server.c: open O_EXCL before daemonizing, write the pid after,
// truncate then unlink at exit), plus a liveness check so a second instance refuses to start.
import fs from 'node:fs';
import path from 'node:path';
import { processErrors } from './errors';

export interface PidFileOptions {
  /**
   * Pid of a predecessor that is handing over in a graceful restart: a file naming it is taken
   * over instead of refused, because the predecessor is expected to exit without removing it.
   */
  readonly takeOverFrom?: number;
}

export interface PidFile {
  /** Absolute path, resolved at open time so removal still works after daemonize's chdir("/"). */
  readonly path: string;
  /** Writes `<pid>\n` (our own pid unless told otherwise); call it after daemonizing. */
  write(pid?: number): void;
  /**
   * Closes our handle and leaves the file in place: for a graceful restart, where the successor
   * owns the file, and for the foreground process once the daemon has taken over.
   */
  release(): void;
  /**
   * Removes the file at exit, but only if it still holds the pid we wrote (or, if we never wrote
   * one, if it is still empty): a successor's pid file is never removed. Truncates first, so a
   * file we may no longer unlink (dropped privileges) does not keep naming a dead process.
   * Returns whether the file was ours.
   */
  remove(): boolean;
}

const PID_LINE = /^\s*(\d+)\s*$/;

/** Parses the content of a pid file; undefined for anything that is not one positive pid. */
export function parsePid(content: string): number | undefined {
  const match = PID_LINE.exec(content);
  if (!match?.[1]) return undefined;
  const pid = Number(match[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** kill(pid, 0): the process exists if the call succeeds or fails only for lack of permission. */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPidFrom(file: string): number | undefined {
  try {
    return parsePid(fs.readFileSync(file, 'utf8'));
  } catch {
    // Unreadable counts as garbage: the re-open below reports the real permission problem.
    return undefined;
  }
}

function readContent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const MODE = 0o644;

/**
 * Opens (creates) the pid file; call it before daemonizing so its errors reach the terminal.
 * An existing regular file is replaced when stale (dead pid, garbage, empty) and refused with
 * PROCESS_ERR_PIDFILE_RUNNING when it names a live process.
 */
export function openPidFile(file: string, options: PidFileOptions = {}): PidFile {
  const absolute = path.resolve(file);
  const { O_WRONLY, O_CREAT, O_EXCL, O_TRUNC } = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(absolute, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw processErrors.pidFileOpen(absolute, err);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(absolute);
    } catch (statErr) {
      throw processErrors.pidFileOpen(absolute, statErr);
    }
    if (!stat.isFile()) throw processErrors.pidFileNotRegular(absolute);
    const holder = readPidFrom(absolute);
    if (
      holder !== undefined &&
      holder !== process.pid &&
      holder !== options.takeOverFrom &&
      isProcessRunning(holder)
    ) {
      throw processErrors.pidFileRunning(absolute, holder);
    }
    try {
      fd = fs.openSync(absolute, O_WRONLY | O_CREAT | O_TRUNC, MODE);
    } catch (reopenErr) {
      throw processErrors.pidFileOpen(absolute, reopenErr);
    }
  }
  return new OpenPidFile(absolute, fd);
}

class OpenPidFile implements PidFile {
  private fd: number | undefined;
  private written: number | undefined;

  constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  write(pid: number = process.pid): void {
    if (this.fd === undefined) throw processErrors.pidFileWrite(this.path, new Error('pid-file already closed'));
    try {
      fs.ftruncateSync(this.fd, 0);
      fs.writeSync(this.fd, `${pid}\n`, 0);
    } catch (err) {
      throw processErrors.pidFileWrite(this.path, err);
    }
    this.written = pid;
  }

  release(): void {
    this.close();
  }

  remove(): boolean {
    const content = readContent(this.path);
    const ours =
      content !== undefined &&
      (this.written !== undefined ? parsePid(content) === this.written : content.length === 0);
    if (ours) {
      if (this.fd !== undefined) {
        try {
          fs.ftruncateSync(this.fd, 0);
        } catch {
          // Best effort, as in lighttpd: the unlink below is what normally cleans up.
        }
      }
      try {
        fs.unlinkSync(this.path);
      } catch {
        // EACCES/EPERM after dropping privileges: the truncated file already says "not running".
      }
    }
    this.close();
    return ours;
  }

  private close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
