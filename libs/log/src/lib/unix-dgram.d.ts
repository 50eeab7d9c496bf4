// Type declaration of the parts of the unix-dgram package (native AF_UNIX SOCK_DGRAM) we call: the
// syslog target sends with it, and the test helpers bind receiving sockets with it.
declare module 'unix-dgram' {
  import type { EventEmitter } from 'node:events';

  export interface UnixDgramSocket extends EventEmitter {
    /** Emits 'listening', or 'error' (synchronously). */
    bind(path: string): void;
    /** Emits 'connect', or 'error' (synchronously). */
    connect(path: string): void;
    /**
     * On a connected socket: one sendmsg(2), the callback called synchronously with nothing, an
     * Error whose code is the negative errno, or an Error with code 1 when the socket buffer is
     * full (the socket then emits 'writable' once it drains).
     */
    send(buf: Buffer, callback: (err?: Error) => void): void;
    close(): void;
  }

  export function createSocket(type: 'unix_dgram', listener?: (msg: Buffer) => void): UnixDgramSocket;
}
