// Error catalogue of the event layer (lighttpd's network.c start-up failures): stable codes for tests.
export type FdeventErrorCode =
  | 'FDEVENT_ERR_ADDRESS_INVALID'
  | 'FDEVENT_ERR_BIND'
  | 'FDEVENT_ERR_SOCKET_IN_USE'
  | 'FDEVENT_ERR_SOCKET_TEST'
  | 'FDEVENT_ERR_CHMOD'
  | 'FDEVENT_ERR_LISTEN'
  | 'FDEVENT_ERR_ACCEPT_GATE';

export class FdeventError extends Error {
  constructor(
    readonly code: FdeventErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FdeventError';
  }
}

export const fdeventErrAddressInvalid = (address: string, why: string): FdeventError =>
  new FdeventError('FDEVENT_ERR_ADDRESS_INVALID', `invalid server socket address "${address}": ${why}`);

export const fdeventErrBind = (address: string, errname: string): FdeventError =>
  new FdeventError('FDEVENT_ERR_BIND', `can't bind to socket: ${address}: ${errname}`);

export const fdeventErrSocketInUse = (path: string): FdeventError =>
  new FdeventError('FDEVENT_ERR_SOCKET_IN_USE', `server socket is still in use: ${path}`);

export const fdeventErrSocketTest = (path: string, errname: string): FdeventError =>
  new FdeventError('FDEVENT_ERR_SOCKET_TEST', `testing socket failed: ${path}: ${errname}`);

export const fdeventErrChmod = (path: string, errname: string): FdeventError =>
  new FdeventError('FDEVENT_ERR_CHMOD', `chmod failed: ${path}: ${errname}`);

export const fdeventErrListen = (address: string, errname: string): FdeventError =>
  new FdeventError('FDEVENT_ERR_LISTEN', `listen failed: ${address}: ${errname}`);

export const fdeventErrAcceptGate = (address: string, errname: string): FdeventError =>
  new FdeventError('FDEVENT_ERR_ACCEPT_GATE', `listening socket ${address} cannot be paused (${errname}); accept gating needs an fd-opened handle`);
