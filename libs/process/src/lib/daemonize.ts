// Daemonizing without fork(): re-spawn ourselves detached and wait on a pipe for the background
// process to report, as lighttpd 1.4.69's daemonize() waits on its pipe for the grandchild.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { ProcessError, processErrors } from './errors';
import type { PidFile } from './pid-file';

export const DEFAULT_DAEMON_MARKER = 'PROCESS_DAEMON_PIPE_FD';

// The start-up pipe is the first descriptor after stdio in the background process.
const PIPE_FD = 3;

// How long the foreground waits for the exit status once the pipe closed without a report,
// only to say in its message how the background process ended.
const EXIT_STATUS_GRACE_MS = 1000;

export interface DaemonizeOptions {
  /** Script and arguments for the background process; default `process.argv.slice(1)`. */
  readonly argv?: readonly string[];
  /** Node options for the background process; default `process.execArgv` (keeps loaders such as tsx). */
  readonly execArgv?: readonly string[];
  /** Environment of the background process; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Environment variable that tells the background process who it is; its value is the pipe's fd. */
  readonly marker?: string;
  /**
   * The pid file the foreground opened (so its errors reached the terminal). The foreground
   * releases it once the daemon reports "started", and removes it if still empty on failure.
   */
  readonly pidFile?: PidFile;
  /** The foreground's exit code when start-up fails; default 1 (php-fpm's is 70, FPM_EXIT_SOFTWARE). */
  readonly failureExitCode?: number;
}

/** What the background process holds until its start-up is done (like lighttpd's parent_pipe_fd). */
export interface DaemonHandle {
  /** Start-up succeeded: the foreground exits 0. */
  started(): void;
  /** Start-up failed: the foreground prints `message` to stderr and exits 1 (or failureExitCode). */
  failed(message: string): void;
}

type Report = { readonly status: 'started' } | { readonly status: 'failed'; readonly message: string };

/** True in the background process that daemonize() started (before daemonize() consumed the marker). */
export function isDaemonChild(marker: string = DEFAULT_DAEMON_MARKER): boolean {
  return process.env[marker] !== undefined;
}

/**
 * In the foreground: spawns the background process and never resolves; the process exits 0 when
 * the background reports "started", 1 or failureExitCode (message on stderr) when it reports a
 * failure or dies first.
 * In the background process: resolves at once with the handle used to report.
 *
 * The background process is in a new session (setsid via `detached`), has stdin/stdout/stderr on
 * /dev/null, and runs in "/": it starts in the caller's directory and chdir("/") happens here, so
 * that relative paths given on the command line and resolved before this call (config file, pid
 * file) mean the same in both processes, as in lighttpd, which loads its config before
 * daemonize(). Paths first used after this call must be absolute.
 */
export function daemonize(options: DaemonizeOptions = {}): Promise<DaemonHandle> {
  const marker = options.marker ?? DEFAULT_DAEMON_MARKER;
  const value = process.env[marker];
  if (value === undefined) return runForeground(marker, options);
  try {
    return Promise.resolve(backgroundHandle(marker, value));
  } catch (err) {
    return Promise.reject(err);
  }
}

function backgroundHandle(marker: string, value: string): DaemonHandle {
  const fd = Number(value);
  let usable = false;
  if (Number.isInteger(fd) && fd >= PIPE_FD) {
    try {
      const stat = fs.fstatSync(fd);
      usable = stat.isSocket() || stat.isFIFO();
    } catch {
      usable = false;
    }
  }
  if (!usable) throw processErrors.daemonPipe(marker, value);
  // Our own children (workers) must not take themselves for a daemon's background process.
  delete process.env[marker];
  process.chdir('/');

  let open = true;
  const report = (message: Report): void => {
    if (!open) return;
    open = false;
    try {
      fs.writeSync(fd, `${JSON.stringify(message)}\n`);
    } catch {
      // The foreground is gone (killed while waiting): there is no one left to tell.
    }
    fs.closeSync(fd);
  };
  return {
    started: () => report({ status: 'started' }),
    failed: (message) => report({ status: 'failed', message }),
  };
}

function parseReport(text: string): Report | undefined {
  const line = text.split('\n', 1)[0];
  if (!line) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { status, message } = parsed as { status?: unknown; message?: unknown };
    if (status === 'started') return { status };
    if (status === 'failed') return { status, message: typeof message === 'string' ? message : String(message) };
  } catch {
    return undefined;
  }
  return undefined;
}

function exitStatus(child: ChildProcess): Promise<string> {
  const describe = (): string =>
    child.signalCode !== null ? `killed by ${child.signalCode}` : `exited with code ${String(child.exitCode)}`;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(describe());
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('closed its start-up pipe without a report'), EXIT_STATUS_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(describe());
    });
  });
}

function fail(error: ProcessError, options: DaemonizeOptions): never {
  options.pidFile?.remove();
  fs.writeSync(2, `${error.message}\n`);
  process.exit(options.failureExitCode ?? 1);
}

function runForeground(marker: string, options: DaemonizeOptions): Promise<never> {
  const argv = options.argv ?? process.argv.slice(1);
  const execArgv = options.execArgv ?? process.execArgv;
  const env = { ...(options.env ?? process.env), [marker]: String(PIPE_FD) };
  return new Promise<never>(() => {
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [...execArgv, ...argv], {
        detached: true,
        stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
        env,
      });
    } catch (err) {
      fail(processErrors.daemonSpawn(err), options);
    }
    child.once('error', (err) => fail(processErrors.daemonSpawn(err), options));
    const pipe = child.stdio[PIPE_FD] as Readable;
    let received = '';
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => {
      received += chunk;
    });
    pipe.once('close', () => {
      const report = parseReport(received);
      if (report?.status === 'started') {
        options.pidFile?.release();
        child.unref();
        process.exit(0);
      }
      if (report?.status === 'failed') fail(processErrors.daemonStartFailed(report.message), options);
      void exitStatus(child).then((status) => fail(processErrors.daemonDied(status), options));
    });
  });
}
