// Error catalogue of the serving part of httpd-ts (server start-up: sockets, pid file, log).
export type ServeErrorCode = 'HTTPD_ERR_LISTEN' | 'HTTPD_ERR_SOCKET_SPEC' | 'HTTPD_ERR_STARTUP' | 'HTTPD_ERR_MODULE_UNKNOWN' | 'HTTPD_ERR_NOT_AVAILABLE';

/** Exit status for failures, -1 as lighttpd returns it from main(). */
export const EXIT_FAILURE = 255;

export class ServeError extends Error {
  constructor(
    readonly code: ServeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServeError';
  }
}

export const serveErrors = {
  listen: (where: string, reason: string) => new ServeError('HTTPD_ERR_LISTEN', `can't bind to socket: ${where}: ${reason}`),
  socketSpec: (spec: string) => new ServeError('HTTPD_ERR_SOCKET_SPEC', `invalid socket address: ${spec}`),
  startup: (reason: string) => new ServeError('HTTPD_ERR_STARTUP', reason),
  /** lighttpd's "loading plugins finally failed" (server.c), exit 255. */
  notAvailable: (reason: string) => new ServeError('HTTPD_ERR_NOT_AVAILABLE', reason),
  pluginsFailed: (reason: string) => new ServeError('HTTPD_ERR_MODULE_UNKNOWN', `loading plugins finally failed: ${reason}`),
} as const;
