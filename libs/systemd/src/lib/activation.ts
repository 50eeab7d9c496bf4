// Socket activation as sd_listen_fds_with_names(3): LISTEN_PID must be ours, LISTEN_FDS counts the
// fds from 3 (SD_LISTEN_FDS_START), LISTEN_FDNAMES names them; the variables are then unset so
// children do not inherit them (unset_environment=1).
import fs from 'node:fs';
import net from 'node:net';
import { systemdErrListenFds, systemdErrNotSocket } from './errors';

export const SD_LISTEN_FDS_START = 3;

export interface ActivatedSocket {
  fd: number;
  // From LISTEN_FDNAMES (FileDescriptorName=); "unknown" when unnamed, as libsystemd reports.
  name: string;
}

export interface ListenFdsOptions {
  env?: NodeJS.ProcessEnv;
  pid?: number;
  // Remove LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES from env (default true).
  unsetEnvironment?: boolean;
}

export function listenFds(options: ListenFdsOptions = {}): ActivatedSocket[] {
  const env = options.env ?? process.env;
  const pid = options.pid ?? process.pid;
  const listenPid = env['LISTEN_PID'];
  const listenFdsValue = env['LISTEN_FDS'];
  const names = env['LISTEN_FDNAMES'];
  // Like libsystemd, the variables go in every case: when they name another pid they were meant for
  // our parent and are not for our children either.
  if (options.unsetEnvironment ?? true) {
    delete env['LISTEN_PID'];
    delete env['LISTEN_FDS'];
    delete env['LISTEN_FDNAMES'];
  }
  if (listenPid === undefined || listenFdsValue === undefined) return [];
  if (!/^\d+$/.test(listenPid) || Number(listenPid) !== pid) return [];
  if (!/^\d+$/.test(listenFdsValue)) throw systemdErrListenFds(listenFdsValue);

  const count = Number(listenFdsValue);
  const nameList = names === undefined || names === '' ? [] : names.split(':');
  const sockets: ActivatedSocket[] = [];
  for (let i = 0; i < count; i++) {
    const fd = SD_LISTEN_FDS_START + i;
    const name = nameList[i] ?? 'unknown';
    let isSocket = false;
    try {
      isSocket = fs.fstatSync(fd).isSocket();
    } catch {
      isSocket = false;
    }
    if (!isSocket) throw systemdErrNotSocket(fd, name);
    sockets.push({ fd, name });
  }
  return sockets;
}

// Turn an activated listening fd into a listening net.Server (TCP or unix, guessed by Node).
export function listenOnActivated(fd: number, server: net.Server = net.createServer()): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ fd }, () => {
      server.removeListener('error', onError);
      resolve(server);
    });
  });
}

export type SocketAddress =
  | { kind: 'inet'; family: 'IPv4' | 'IPv6'; address: string; port: number }
  | { kind: 'unix'; path: string };

// The local address of a listening server, to match an activated socket against configured ones.
// Node cannot name a unix socket it adopted by fd (address() is null then): pass the fd and the path
// is read from /proc/net/unix by the socket's inode ("@name" for abstract sockets).
export function serverAddress(server: net.Server, fd?: number): SocketAddress | undefined {
  const addr = server.address();
  if (typeof addr === 'string') return { kind: 'unix', path: addr };
  if (addr !== null) return { kind: 'inet', family: addr.family === 'IPv6' ? 'IPv6' : 'IPv4', address: addr.address, port: addr.port };
  if (fd === undefined) return undefined;
  const unixPath = unixSocketPath(fd);
  return unixPath === undefined ? undefined : { kind: 'unix', path: unixPath };
}

export function unixSocketPath(fd: number): string | undefined {
  let inode: string;
  let table: string;
  try {
    inode = String(fs.fstatSync(fd, { bigint: true }).ino);
    table = fs.readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return undefined;
  }
  // Columns: Num RefCount Protocol Flags Type St Inode Path
  for (const row of table.split('\n').slice(1)) {
    const cols = row.trim().split(/\s+/);
    if (cols[6] === inode && cols[7] !== undefined) return cols.slice(7).join(' ');
  }
  return undefined;
}
