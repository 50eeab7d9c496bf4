// One pool's listening socket (php-fpm's fpm_sockets.c): parse the `listen` value, bind it in
// the master without accepting (the workers accept), apply listen.owner/group/mode to unix
// sockets, or adopt a socket systemd passed (socket activation, chosen by the fd's name).
import { lookup } from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import { bindInheritableSocket, type InheritableSocket } from '@libs/process';
import type { PoolConfig } from '../config';
import { sysErrorText } from '../errors';
import { masterErrors } from './errors';
import { listenBacklog } from './listen-backlog';
import { gidOf, uidOf } from './system-ids';

export type ListenAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** A stable key: two pools (or two configurations across a reload) with equal keys share a socket. */
export function addressKey(a: ListenAddress): string {
  return a.kind === 'unix' ? `unix:${a.path}` : `tcp:[${a.host}]:${a.port}`;
}

export const activatedKey = (poolName: string): string => `systemd:${poolName}`;

export function describeAddress(a: ListenAddress): string {
  return a.kind === 'unix' ? a.path : a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/**
 * php-fpm's listen forms: "/path", "port" (every address: "[::]" dual-stack, as php-fpm 8.2 does
 * where IPv6 exists), "ipv4:port", "[ipv6]:port", "hostname:port" (first address it resolves to).
 */
export async function parseListen(pool: string, listen: string): Promise<ListenAddress> {
  if (listen.startsWith('/')) return { kind: 'unix', path: listen };
  if (/^\d+$/.test(listen)) return { kind: 'tcp', host: '::', port: Number(listen) };
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(listen);
  if (bracketed?.[1] !== undefined && bracketed[2] !== undefined) return { kind: 'tcp', host: bracketed[1], port: Number(bracketed[2]) };
  const hostPort = /^(.+):(\d+)$/.exec(listen);
  if (hostPort?.[1] === undefined || hostPort[2] === undefined) throw masterErrors.listen(pool, listen, 'not an address');
  const host = hostPort[1] === '*' ? '0.0.0.0' : hostPort[1];
  if (net.isIP(host) !== 0) return { kind: 'tcp', host, port: Number(hostPort[2]) };
  try {
    const resolved = await lookup(host);
    return { kind: 'tcp', host: resolved.address, port: Number(hostPort[2]) };
  } catch (err) {
    throw masterErrors.listen(pool, listen, (err as Error).message);
  }
}

/**
 * The master's handle on a listening socket. Workers inherit `fd`. For ondemand pools the master
 * itself accepts on it through `gate()`; from then on the net.Server owns the descriptor.
 */
export class PoolSocket {
  private gateServer: net.Server | undefined;
  private closed = false;

  private constructor(
    readonly key: string,
    /** null for a socket systemd passed (we never learn its address; it is keyed by pool name). */
    readonly address: ListenAddress | null,
    readonly fd: number,
    private readonly closeRaw: () => void,
    /** Came from systemd: never unlinked by us. */
    readonly activated: boolean,
  ) {}

  get hasGate(): boolean {
    return this.gateServer !== undefined;
  }

  /** Binds and listens (so connections queue before the first worker runs) without accepting. */
  static bind(pool: Readonly<PoolConfig>, address: ListenAddress): PoolSocket {
    if (address.kind === 'unix') {
      // php-fpm unlinks a leftover socket file before binding (fpm_sockets_new_listening_socket).
      if (fs.existsSync(address.path) && fs.statSync(address.path).isSocket()) fs.unlinkSync(address.path);
    }
    let socket: InheritableSocket;
    try {
      socket = bindWithFallback(address, pool['listen.backlog']);
    } catch (err) {
      // php-fpm names the address as configured (wp->config->listen_address).
      throw masterErrors.bind(pool.listen ?? describeAddress(address), sysErrorText((err as Error).cause ?? err));
    }
    const bound: ListenAddress =
      'path' in socket.address ? address : { kind: 'tcp', host: socket.address.host, port: socket.address.port };
    if (address.kind === 'unix') applyUnixPermissions(pool, address.path);
    return new PoolSocket(addressKey(address), bound, socket.fd, () => socket.close(), false);
  }

  /** A socket systemd passed us for the pool of this name (FileDescriptorName=). */
  static adopt(fd: number, poolName: string): PoolSocket {
    return new PoolSocket(activatedKey(poolName), null, fd, () => fs.closeSync(fd), true);
  }

  /** The master accepting on this socket (ondemand), connections paused until handed over. */
  gate(onConnection: (socket: net.Socket) => void, backlog: number): net.Server {
    if (this.gateServer) {
      this.gateServer.removeAllListeners('connection');
      this.gateServer.on('connection', onConnection);
      return this.gateServer;
    }
    const server = net.createServer({ pauseOnConnect: true }, onConnection);
    server.on('error', () => undefined);
    // listen() again on the inherited fd: Node takes the backlog as an argument here, not an option.
    server.listen({ fd: this.fd }, listenBacklog(backlog));
    this.gateServer = server;
    return server;
  }

  close(unlink: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (this.gateServer) this.gateServer.close();
    else this.closeRaw();
    if (unlink && !this.activated && this.address?.kind === 'unix') fs.rmSync(this.address.path, { force: true });
  }
}

function bindWithFallback(address: ListenAddress, backlog: number): InheritableSocket {
  const options = { listen: true, backlog: listenBacklog(backlog) };
  if (address.kind === 'unix') return bindInheritableSocket({ path: address.path }, options);
  try {
    return bindInheritableSocket({ host: address.host, port: address.port }, options);
  } catch (err) {
    // "port" alone means every address; without IPv6 that is 0.0.0.0, as php-fpm falls back.
    if (address.host !== '::' || ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE') throw err;
    return bindInheritableSocket({ host: '0.0.0.0', port: address.port }, options);
  }
}

function applyUnixPermissions(pool: Readonly<PoolConfig>, file: string): void {
  fs.chmodSync(file, pool['listen.mode']);
  const owner = pool['listen.owner'];
  const group = pool['listen.group'];
  if ((owner === null && group === null) || process.getuid?.() !== 0) return;
  const uid = owner === null ? -1 : uidOf(owner);
  if (uid === undefined) throw masterErrors.unknownUser(pool.name, owner ?? '');
  const gid = group === null ? -1 : gidOf(group);
  if (gid === undefined) throw masterErrors.unknownGroup(pool.name, group ?? '');
  fs.chownSync(file, uid, gid);
}
