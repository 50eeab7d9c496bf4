// The sockets to backends, read the way a C server reads: every read lands in one buffer that is
// used again for the next (net.Socket's `onread` option) and goes to whoever owns the socket now,
// the request's exchange or the idle list (keep-conn). 'data' events would allocate a Buffer per
// read and run the Readable machinery for it, on every proxied request. Writes are gathered until
// the event loop has handled every ready event of this turn, so that the requests of one turn
// leave together, each in one system call, after all reads instead of between them.
import net from 'node:net';

/** One read's bytes: a view of the shared buffer, valid only during the call (copy what you keep). */
export type BackendReader = (bytes: Buffer) => void;

const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
/**
 * Bytes a backend socket takes before it asks to wait ('drain'): a request body goes out several
 * 64 KiB pieces per turn of the event loop, about what a unix socket's buffer holds (Node's 16 KiB
 * default would send one piece per turn).
 */
const WRITE_HIGH_WATER_MARK = 256 * 1024;
const readers = new WeakMap<net.Socket, BackendReader>();

/** Connects to a backend by unix socket path or host and port; its reads go to setBackendReader's function. */
export function connectBackend(to: { readonly socketPath: string | null; readonly host: string; readonly port: number }): net.Socket {
  const onread = {
    buffer: READ_BUFFER,
    callback: (n: number): boolean => {
      readers.get(socket)?.(READ_BUFFER.subarray(0, n));
      return true;
    },
  };
  const options = { onread, writableHighWaterMark: WRITE_HIGH_WATER_MARK };
  const socket = to.socketPath !== null ? net.connect({ path: to.socketPath, ...options }) : net.connect({ host: to.host, port: to.port, ...options });
  return socket;
}

/** Who reads `socket` from now on. */
export function setBackendReader(socket: net.Socket, reader: BackendReader): void {
  readers.set(socket, reader);
}

const corked = new Set<net.Socket>();
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  for (const s of corked) s.uncork();
  corked.clear();
}

/** Holds `socket`'s writes until the end of this turn of the event loop (its check phase). */
export function corkUntilTurnEnds(socket: net.Socket): void {
  if (corked.has(socket)) return;
  corked.add(socket);
  socket.cork();
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}
