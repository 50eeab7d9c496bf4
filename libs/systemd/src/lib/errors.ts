// Error catalogue of @libs/systemd: one factory per failure with a stable code, so callers and tests
// branch on `code` (fastify lib/errors.js pattern).
export type SystemdErrorCode =
  | 'SYSTEMD_ERR_NOTIFY_UNAVAILABLE'
  | 'SYSTEMD_ERR_NOTIFY_FIELD'
  | 'SYSTEMD_ERR_NOT_SOCKET'
  | 'SYSTEMD_ERR_LISTEN_FDS';

export class SystemdError extends Error {
  readonly code: SystemdErrorCode;

  constructor(code: SystemdErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SystemdError';
    this.code = code;
  }
}

export function systemdErrNotifyUnavailable(cause: unknown): SystemdError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new SystemdError(
    'SYSTEMD_ERR_NOTIFY_UNAVAILABLE',
    `NOTIFY_SOCKET is set but the sd-notify native module cannot be loaded (${why}); systemd would never see READY=1`,
    { cause },
  );
}

export function systemdErrNotifyField(field: string): SystemdError {
  return new SystemdError('SYSTEMD_ERR_NOTIFY_FIELD', `invalid sd_notify field '${field}' (a name must be non-empty without '=', a value without newlines)`);
}

export function systemdErrNotSocket(fd: number, name: string): SystemdError {
  return new SystemdError('SYSTEMD_ERR_NOT_SOCKET', `activated fd ${fd} (${name}) is not a socket`);
}

export function systemdErrListenFds(value: string): SystemdError {
  return new SystemdError('SYSTEMD_ERR_LISTEN_FDS', `invalid LISTEN_FDS '${value}'`);
}
