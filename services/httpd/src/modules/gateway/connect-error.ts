// strerror() wording for a failed connect() to a backend, as lighttpd 1.4.69's gw_backend.c logs it
// with log_perror ("establishing connection failed: socket: ...: Connection refused").

export function connectErrorText(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'Connection refused';
    case 'ENOENT':
      return 'No such file or directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EAGAIN':
      return 'Resource temporarily unavailable';
    case 'ETIMEDOUT':
      return 'Connection timed out';
    case 'EHOSTUNREACH':
      return 'No route to host';
    case 'ENETUNREACH':
      return 'Network is unreachable';
    default:
      return e.message;
  }
}
