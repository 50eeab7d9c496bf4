// Error catalogue of the real-systemd container harness (stable codes; tests assert on them).
// Mirrors the failure points of the recipe: debootstrap, systemd-nspawn boot, nsenter, unit states.

export type SystemdContainerErrorCode =
  | 'E2E_ERR_NOT_ROOT'
  | 'E2E_ERR_NO_MIRROR'
  | 'E2E_ERR_ROOTFS_BUILD'
  | 'E2E_ERR_ROOTFS_LOCK_TIMEOUT'
  | 'E2E_ERR_BOOT_TIMEOUT'
  | 'E2E_ERR_NSPAWN_EXITED'
  | 'E2E_ERR_CONTAINER_GONE'
  | 'E2E_ERR_EXEC_TIMEOUT'
  | 'E2E_ERR_COMMAND_FAILED'
  | 'E2E_ERR_WAIT_TIMEOUT';

export class SystemdContainerError extends Error {
  constructor(
    readonly code: SystemdContainerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SystemdContainerError';
  }
}

export function errNotRoot(): SystemdContainerError {
  return new SystemdContainerError('E2E_ERR_NOT_ROOT', 'systemd-nspawn and debootstrap need root');
}

export function errNoMirror(file: string): SystemdContainerError {
  return new SystemdContainerError('E2E_ERR_NO_MIRROR', `no Debian mirror (a "URIs:" line for the main archive) in ${file}`);
}

export function errRootfsBuild(detail: string): SystemdContainerError {
  return new SystemdContainerError('E2E_ERR_ROOTFS_BUILD', `building the container root file system failed: ${detail}`);
}

export function errRootfsLockTimeout(lock: string, ownerPid: string): SystemdContainerError {
  return new SystemdContainerError('E2E_ERR_ROOTFS_LOCK_TIMEOUT', `timed out waiting for ${lock} (held by pid ${ownerPid})`);
}

export function errBootTimeout(ms: number, state: string, consoleTail: string): SystemdContainerError {
  return new SystemdContainerError(
    'E2E_ERR_BOOT_TIMEOUT',
    `container systemd not running after ${ms} ms (last state: ${state})\n--- console ---\n${consoleTail}`,
  );
}

export function errNspawnExited(code: number | null, signal: string | null, consoleTail: string): SystemdContainerError {
  return new SystemdContainerError(
    'E2E_ERR_NSPAWN_EXITED',
    `systemd-nspawn exited during boot (code ${code}, signal ${signal})\n--- console ---\n${consoleTail}`,
  );
}

export function errContainerGone(what: string): SystemdContainerError {
  return new SystemdContainerError('E2E_ERR_CONTAINER_GONE', `cannot ${what}: the container has been shut down`);
}

export function errExecTimeout(argv: readonly string[], ms: number): SystemdContainerError {
  return new SystemdContainerError('E2E_ERR_EXEC_TIMEOUT', `${argv.join(' ')} did not finish within ${ms} ms inside the container`);
}

export function errWaitTimeout(what: string, ms: number, last: string): SystemdContainerError {
  return new SystemdContainerError('E2E_ERR_WAIT_TIMEOUT', `timed out after ${ms} ms waiting for ${what} (last seen: ${last})`);
}

export function errCommandFailed(argv: readonly string[], code: number, stderr: string): SystemdContainerError {
  return new SystemdContainerError('E2E_ERR_COMMAND_FAILED', `${argv.join(' ')} exited with ${code} inside the container: ${stderr.trim()}`);
}
