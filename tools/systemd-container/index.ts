// Public surface of the real-systemd container harness (tools/systemd-container), shared by the
// end-to-end tests of both services.
export { SystemdContainer } from './systemd-container';
export type { BootOptions, ExecOptions, ExecResult, HttpResponse } from './systemd-container';
export { SystemdContainerError } from './errors';
export type { SystemdContainerErrorCode } from './errors';
export { debianMirror, rootfsKey } from './rootfs';
export { execLine, unitFile } from './unit-file';
