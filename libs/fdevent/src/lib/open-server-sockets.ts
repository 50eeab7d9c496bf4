// Opening the listening sockets at start-up (lighttpd src/network.c network_init,
// network_server_init, and the systemd socket activation of server.systemd-socket-activation).
import fs from 'node:fs';
import net from 'node:net';
import type { ServiceLog } from '@libs/log';
import { listenOnActivated, serverAddress } from '@libs/systemd';
import { fdeventErrChmod, fdeventErrListen, fdeventErrSocketInUse, fdeventErrSocketTest } from './errors';
import { bindTcp, bindUnix, checkPausable } from './listen-handle';
import { ServerSocket, type InheritedSocket, type ServerSocketConfig } from './server-socket';
import { formatSocketAddress, parseSocketAddress, sameSocketAddress, type SocketAddress } from './socket-address';

export interface OpenServerSocketsOptions {
  readonly sockets: readonly ServerSocketConfig[];
  /** Sockets passed by systemd (fd, LISTEN_FDNAMES name). */
  readonly inherited?: readonly InheritedSocket[];
  /** server.systemd-socket-activation: when false (lighttpd's default) inherited fds are ignored. */
  readonly systemdSocketActivation?: boolean;
  /** Options for every listener (an HTTP server wants allowHalfOpen, so a half-closed client still gets its responses). */
  readonly serverOptions?: Pick<net.ServerOpts, 'allowHalfOpen' | 'noDelay' | 'pauseOnConnect'>;
  readonly log: ServiceLog;
}

const DEFAULT_BACKLOG = 1024;

/**
 * Inherited sockets are matched to configured ones first by name, then by local address (lighttpd
 * compares getsockname() of each inherited fd with the configured address); a configured socket
 * without a match is bound here; an inherited socket without a match is served all the same.
 */
export async function openServerSockets(options: OpenServerSocketsOptions): Promise<ServerSocket[]> {
  const configs = options.sockets.map((config) => ({ config, address: parseSocketAddress(config.address) }));
  const opened: ServerSocket[] = [];
  const claimed = new Set<number>();
  try {
    if (options.systemdSocketActivation === true) {
      for (const inh of options.inherited ?? []) {
        const server = await listenOnActivated(inh.fd, net.createServer(options.serverOptions));
        const local = toLocal(serverAddress(server, inh.fd));
        const byName = configs.findIndex((c, i) => !claimed.has(i) && (c.config.name ?? c.config.address) === inh.name);
        const byAddress = byName >= 0 || local === null ? -1 : configs.findIndex((c, i) => !claimed.has(i) && sameSocketAddress(c.address, local));
        const match = byName >= 0 ? byName : byAddress;
        if (match >= 0) claimed.add(match);
        const entry = match >= 0 ? configs[match] : undefined;
        const address = local ?? entry?.address ?? { kind: 'unix', path: `fd:${inh.fd}` };
        const label = formatSocketAddress(address);
        checkPausable(server, label);
        if (entry === undefined) options.log.notice(`systemd socket activation: serving unconfigured socket ${label} (fd ${inh.fd}, name ${inh.name})`);
        opened.push(new ServerSocket(server, address, entry?.config ?? null, inh));
      }
    }
    for (const [i, c] of configs.entries()) {
      if (claimed.has(i)) continue;
      opened.push(await bindConfigured(c.config, c.address, options.serverOptions));
    }
  } catch (err) {
    await Promise.all(opened.map((s) => s.close()));
    throw err;
  }
  return opened;
}

function toLocal(a: ReturnType<typeof serverAddress>): SocketAddress | null {
  if (a === undefined) return null;
  return a.kind === 'unix' ? { kind: 'unix', path: a.path } : { kind: 'inet', family: a.family, address: a.address, port: a.port };
}

async function bindConfigured(config: ServerSocketConfig, address: SocketAddress, serverOptions: net.ServerOpts = {}): Promise<ServerSocket> {
  const backlog = config.backlog ?? DEFAULT_BACKLOG;
  const server = net.createServer(serverOptions);
  if (address.kind === 'inet') {
    const handle = bindTcp(address);
    await listen(server, formatSocketAddress(address), (cb) => server.listen(handle, backlog, cb));
    checkPausable(server, formatSocketAddress(address));
    return new ServerSocket(server, address, config, null);
  }
  await clearStaleUnixSocket(address.path);
  const wrap = bindUnix(address.path);
  if (config.perms !== undefined) {
    try {
      fs.chmodSync(address.path, config.perms);
    } catch (err) {
      fs.rmSync(address.path, { force: true });
      throw fdeventErrChmod(address.path, (err as NodeJS.ErrnoException).code ?? String(err));
    }
  }
  await listen(server, address.path, (cb) => server.listen({ fd: wrap.fd, backlog }, cb));
  checkPausable(server, address.path);
  return new ServerSocket(server, address, config, null, wrap);
}

function listen(server: net.Server, label: string, start: (cb: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(fdeventErrListen(label, err.code ?? err.message));
    server.once('error', onError);
    start(() => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}

/**
 * lighttpd connects to an existing unix socket path first: if someone answers the socket is in use;
 * if the connection is refused the file is stale and removed. Unlike lighttpd we only remove a file
 * that is a socket, never a regular file someone put there.
 */
async function clearStaleUnixSocket(path: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket()) throw fdeventErrSocketTest(path, 'not a socket');
  const outcome = await new Promise<string>((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve('in-use');
    });
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'EIO'));
  });
  if (outcome === 'in-use') throw fdeventErrSocketInUse(path);
  if (outcome === 'ECONNREFUSED') fs.rmSync(path, { force: true });
  else if (outcome !== 'ENOENT') throw fdeventErrSocketTest(path, outcome);
}
