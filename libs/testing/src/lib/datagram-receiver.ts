// Test helper: an AF_UNIX datagram socket bound at a path, recording every datagram it receives,
// to stand in for a syslog daemon's /dev/log. It reads only when the event loop runs, so lines
// logged in one synchronous burst fill its queue as they would a busy daemon's.
import fs from 'node:fs';
import { createSocket, type UnixDgramSocket } from 'unix-dgram';

export class DatagramReceiver {
  // Every datagram received, in arrival order, as text.
  readonly messages: string[] = [];
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly socket: UnixDgramSocket,
  ) {
    socket.on('message', (buf: Buffer) => this.messages.push(buf.toString('utf8')));
  }

  static async bind(socketPath: string): Promise<DatagramReceiver> {
    const socket = createSocket('unix_dgram');
    await new Promise<void>((resolve, reject) => {
      socket.once('listening', () => resolve());
      socket.once('error', reject);
      socket.bind(socketPath);
    });
    return new DatagramReceiver(socketPath, socket);
  }

  /** Resolves with every datagram so far once `done` holds for them. */
  async waitUntil(what: string, done: (messages: readonly string[]) => boolean, timeoutMs = 10000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.messages)) {
      if (Date.now() > deadline) {
        throw new Error(`no ${what} within ${timeoutMs} ms: ${this.messages.length} datagrams, last ${JSON.stringify(this.messages.slice(-3))}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.messages;
  }

  /** Resolves once `count` datagrams have arrived. */
  waitForCount(count: number, timeoutMs = 10000): Promise<string[]> {
    return this.waitUntil(`${count} datagrams`, (messages) => messages.length >= count, timeoutMs);
  }

  /** Closes the socket and removes its path, as a daemon going away does (once; later calls do nothing). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
    fs.rmSync(this.path, { force: true });
  }
}
