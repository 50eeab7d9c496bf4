// Client connections read the way a C server reads them: every read lands in one buffer that is
// used again for the next, and goes to the connection's reader, which copies what it keeps (a
// pipelined request, an unfinished head, body bytes). 'data' events would allocate a Buffer per
// read and run the Readable machinery for it on every request. A socket that already reads (one
// adopted from standard input with -1) keeps its 'data' events.
import type net from 'node:net';
import { readIntoBuffer } from '@libs/fastcgi';

/** A read's bytes: a view of the shared buffer, valid only during the call. */
export type ClientReader = (bytes: Buffer) => void;

const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const readers = new WeakMap<net.Socket, ClientReader | null>();

/** For the event layer (takeAccepted): the accepted socket's handle on a socket that reads into READ_BUFFER. */
export function takeAcceptedIntoBuffer(accepted: net.Socket): net.Socket {
  const socket: net.Socket | null = readIntoBuffer(accepted, READ_BUFFER, (bytes) => readers.get(socket as net.Socket)?.(bytes));
  if (socket === null) return accepted;
  readers.set(socket, null);
  return socket;
}

/** `reader` gets every read of `socket`: borrowed bytes from READ_BUFFER, or 'data' events' own Buffers. */
export function readClient(socket: net.Socket, reader: ClientReader): void {
  if (readers.has(socket)) readers.set(socket, reader);
  else socket.on('data', reader);
}
