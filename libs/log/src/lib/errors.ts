// Error catalogue of @libs/log: one factory per failure, each with a stable code (the fastify
// lib/errors.js pattern), so callers and tests branch on `code`, never on message text.
export type LogErrorCode = 'LOG_ERR_OPEN' | 'LOG_ERR_LEVEL' | 'LOG_ERR_PIPE' | 'LOG_ERR_CLOSED';

export class LogError extends Error {
  readonly code: LogErrorCode;

  constructor(code: LogErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogError';
    this.code = code;
  }
}

function causeText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

// lighttpd: "opening errorlog '%s' failed: %s"; php-fpm: "failed to open error_log (%s)".
export function logErrOpen(path: string, cause: unknown): LogError {
  return new LogError('LOG_ERR_OPEN', `opening log file '${path}' failed: ${causeText(cause)}`, { cause });
}

export function logErrLevel(value: string): LogError {
  return new LogError('LOG_ERR_LEVEL', `invalid log level '${value}' (expected alert, error, warning, notice, info or debug)`);
}

export function logErrPipe(command: string, cause: unknown): LogError {
  return new LogError('LOG_ERR_PIPE', `piped logger '${command}' failed: ${causeText(cause)}`, { cause });
}

export function logErrClosed(what: string): LogError {
  return new LogError('LOG_ERR_CLOSED', `${what} is closed`);
}
