// Listening handles that can stop accepting without closing: lighttpd removes the listening fd from
// the poll set (server.c server_sockets_set_event(srv, 0)) and leaves new connections in the backlog.
//
// Node has no public "pause accepting". libuv stops polling a listening socket on uv_read_stop()
// and resumes on uv_read_start(), but only for handles flagged readable, which libuv sets when a
// handle is opened from an existing fd (uv_tcp_open/uv_pipe_open), not when Node binds it itself.
// So sockets are bound through the tcp_wrap/pipe_wrap handle classes and re-opened on their own fd
// before listening; inherited (systemd) fds are opened from their fd anyway. At start-up we check
// that the handle really pauses (readStart() === 0) and fail loudly otherwise.
import net from 'node:net';
import util from 'node:util';
import { fdeventErrAcceptGate, fdeventErrBind } from './errors';
import { formatSocketAddress, type SocketAddress } from './socket-address';

interface RawHandle {
  readonly fd: number;
  open(fd: number): number;
  close(cb?: () => void): void;
}
interface RawTcpHandle extends RawHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
}
interface RawPipeHandle extends RawHandle {
  bind(path: string): number;
}
interface TcpWrap {
  TCP: new (type: number) => RawTcpHandle;
  constants: { SERVER: number };
}
interface PipeWrap {
  Pipe: new (type: number) => RawPipeHandle;
  constants: { SERVER: number };
}
/** What the listening handle of a net.Server offers once it was opened from an fd. */
interface PausableHandle {
  readStart(): number;
  readStop(): number;
}

const bindings = process as unknown as { binding(name: 'tcp_wrap'): TcpWrap; binding(name: 'pipe_wrap'): PipeWrap };
// UV_TCP_IPV6ONLY: lighttpd sets IPV6_V6ONLY on IPv6 listening sockets
const UV_TCP_IPV6ONLY = 1;

function errname(rc: number): string {
  return util.getSystemErrorName(rc);
}

/**
 * Binds a TCP address and returns a handle that net.Server.listen(handle) accepts (a TCP wrap is
 * one of the documented handle forms). SO_REUSEADDR is set by libuv, as lighttpd sets it.
 */
export function bindTcp(addr: Extract<SocketAddress, { kind: 'inet' }>): RawTcpHandle {
  const { TCP, constants } = bindings.binding('tcp_wrap');
  const handle = new TCP(constants.SERVER);
  const rc = addr.family === 'IPv6' ? handle.bind6(addr.address, addr.port, UV_TCP_IPV6ONLY) : handle.bind(addr.address, addr.port);
  if (rc !== 0) {
    handle.close();
    throw fdeventErrBind(formatSocketAddress(addr), errname(rc));
  }
  const rcOpen = handle.open(handle.fd);
  if (rcOpen !== 0) {
    handle.close();
    throw fdeventErrAcceptGate(formatSocketAddress(addr), errname(rcOpen));
  }
  return handle;
}

/**
 * Binds a unix socket path and returns its fd. Node only takes a pipe through the `{ fd }` form, so
 * the listening handle is a second wrap of the same fd; this bind-only wrap never polls and is never
 * closed (closing it would close the fd the listener owns), it is kept by the caller for its lifetime.
 */
export function bindUnix(path: string): RawPipeHandle {
  const { Pipe, constants } = bindings.binding('pipe_wrap');
  const handle = new Pipe(constants.SERVER);
  const rc = handle.bind(path);
  if (rc !== 0) {
    handle.close();
    throw fdeventErrBind(path, errname(rc));
  }
  return handle;
}

function pausable(server: net.Server): PausableHandle {
  return (server as unknown as { _handle: PausableHandle })._handle;
}

/** Proves at start-up that this listener can be paused: leaves it accepting. */
export function checkPausable(server: net.Server, label: string): void {
  const h = pausable(server);
  const rc = h.readStart();
  if (rc !== 0) throw fdeventErrAcceptGate(label, errname(rc));
}

/** Stops polling the listening fd; new connections wait in the kernel backlog. */
export function stopAccepting(server: net.Server): void {
  const h = pausable(server);
  // readStop only acts when the handle is flagged reading; readStart first makes sure it is
  h.readStart();
  h.readStop();
}

export function startAccepting(server: net.Server): void {
  pausable(server).readStart();
}
