// Listening sockets handed to workers by fd inheritance, as lighttpd's watcher and php-fpm's
// master do: the parent owns the socket, the workers accept on it (fpm_sockets.c, server.c).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { getSystemErrorMap, getSystemErrorName } from 'node:util';
import { supervisorErrors } from './supervisor-errors';

// Node keeps these two internal; both have been stable since Node 0.x. Typed here, used nowhere else.
interface RawServerHandle {
  readonly fd: number;
  getsockname?(out: { address?: string; port?: number }): number;
  close(): void;
}
type CreateServerHandle = (address: string, port: number, addressType: number) => RawServerHandle | number;

/**
 * The fd of a listening net.Server, to pass to workers. Caveat: the parent's own event loop keeps
 * accepting on that server too, racing the workers for connections; to hand a socket only to
 * workers, create it with bindInheritableSocket() instead.
 */
export function listeningFdOf(server: net.Server): number {
  // `_handle` is the libuv TCP/Pipe wrap; `fd` is its descriptor on Unix.
  const fd = (server as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw supervisorErrors.socketNoFd();
  return fd;
}

export type SocketAddress = { host: string; port: number } | { path: string };

export interface InheritableSocket {
  readonly fd: number;
  /** The bound address (the real port when 0 was asked for). */
  readonly address: SocketAddress;
  close(): void;
}

function describe(where: SocketAddress): string {
  return 'path' in where ? where.path : `${where.host}:${where.port}`;
}

const { ENOENT, EACCES, EADDRINUSE } = os.constants.errno;

/**
 * bind(2)'s failure as Node words a system error (errno, code, "CODE: text, bind 'where'"). libuv
 * reports a unix socket path in a missing directory as EACCES (Windows' answer); the kernel said
 * ENOENT, and that is what an operator must read.
 */
function bindError(errno: number, where: SocketAddress): NodeJS.ErrnoException {
  if (errno === -EACCES && 'path' in where && !fs.existsSync(path.dirname(where.path))) errno = -ENOENT;
  const [code, text] = getSystemErrorMap().get(errno) ?? [getSystemErrorName(errno), 'unknown error'];
  return Object.assign(new Error(`${code}: ${text}, bind '${describe(where)}'`), { errno, code, syscall: 'bind' });
}

/**
 * Binds a TCP or unix socket in this process WITHOUT putting it in this process's event loop
 * (Node's cluster primary does the same for its workers), so only workers ever accept on it.
 * Our JS workers call listen() themselves (`server.listen({ fd })`). With `listen: true` the
 * socket is put in the listening state before return, which external FastCGI programs (php-cgi
 * accepting on fd 0) need: Node cannot call listen(2) without polling, so a throwaway node
 * process does it on the shared socket and exits.
 */
export function bindInheritableSocket(
  where: SocketAddress,
  options: { listen?: boolean; backlog?: number } = {},
): InheritableSocket {
  const create = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;
  const handle =
    'path' in where ? create(where.path, -1, -1) : create(where.host, where.port, net.isIP(where.host) === 6 ? 6 : 4);
  if (typeof handle === 'number') throw supervisorErrors.socketBind(describe(where), bindError(handle, where));
  let address: SocketAddress = where;
  if (!('path' in where) && handle.getsockname) {
    const out: { address?: string; port?: number } = {};
    handle.getsockname(out);
    // libuv keeps a TCP bind's EADDRINUSE for listen() to report, and returns success: the socket
    // is left unbound (port 0), and listen(2) on it would pick a random port.
    if (!out.port) {
      handle.close();
      throw supervisorErrors.socketBind(describe(where), bindError(-EADDRINUSE, where));
    }
    address = { host: out.address ?? where.host, port: out.port };
  }
  if (options.listen) {
    const backlog = options.backlog ?? 511;
    const primer = spawnSync(
      process.execPath,
      ['-e', `require('net').createServer().listen({ fd: 0, backlog: ${backlog} }, () => process.exit(0))`],
      { stdio: [handle.fd, 'ignore', 'pipe'], timeout: 10000, env: {} },
    );
    if (primer.status !== 0) {
      handle.close();
      const why = primer.error?.message ?? (primer.stderr.toString().trim() || `status ${primer.status}`);
      throw supervisorErrors.socketListen(describe(address), why);
    }
  }
  return { fd: handle.fd, address, close: () => handle.close() };
}
