// Error catalogue of @libs/process (pid files, daemonizing): one factory per failure, each with a
// stable `code`; messages keep the wording of lighttpd's server.c where it has one.

export type ProcessErrorCode =
  | 'PROCESS_ERR_PIDFILE_OPEN'
  | 'PROCESS_ERR_PIDFILE_NOT_REGULAR'
  | 'PROCESS_ERR_PIDFILE_RUNNING'
  | 'PROCESS_ERR_PIDFILE_WRITE'
  | 'PROCESS_ERR_DAEMON_SPAWN'
  | 'PROCESS_ERR_DAEMON_START_FAILED'
  | 'PROCESS_ERR_DAEMON_DIED'
  | 'PROCESS_ERR_DAEMON_PIPE';

// Generic over the code so other catalogues of this lib (the supervisor's) can reuse the class.
export class ProcessError<C extends string = ProcessErrorCode> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProcessError';
    this.code = code;
  }
}

function errnoText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

export const processErrors = {
  pidFileOpen: (file: string, cause: unknown) =>
    new ProcessError('PROCESS_ERR_PIDFILE_OPEN', `opening pid-file failed: ${file}: ${errnoText(cause)}`, { cause }),
  pidFileNotRegular: (file: string) =>
    new ProcessError('PROCESS_ERR_PIDFILE_NOT_REGULAR', `pid-file exists and isn't regular file: ${file}`),
  pidFileRunning: (file: string, pid: number) =>
    new ProcessError(
      'PROCESS_ERR_PIDFILE_RUNNING',
      `pid-file ${file} names process ${pid}, which is still running; refusing to start a second instance`,
    ),
  pidFileWrite: (file: string, cause: unknown) =>
    new ProcessError('PROCESS_ERR_PIDFILE_WRITE', `writing pid-file failed: ${file}: ${errnoText(cause)}`, { cause }),
  daemonSpawn: (cause: unknown) =>
    new ProcessError('PROCESS_ERR_DAEMON_SPAWN', `starting the background process failed: ${errnoText(cause)}`, {
      cause,
    }),
  // The background's own message, printed as it would have been without daemonizing.
  daemonStartFailed: (message: string) => new ProcessError('PROCESS_ERR_DAEMON_START_FAILED', message),
  daemonDied: (status: string) =>
    new ProcessError(
      'PROCESS_ERR_DAEMON_DIED',
      `daemonized server failed to start (${status}); check error log for details`,
    ),
  daemonPipe: (marker: string, value: string) =>
    new ProcessError(
      'PROCESS_ERR_DAEMON_PIPE',
      `${marker}=${value} is set but is not an open start-up pipe; unset it to start in the foreground`,
    ),
} as const;
