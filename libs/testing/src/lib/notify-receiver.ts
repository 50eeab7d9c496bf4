// Test helper: the receiving end of sd_notify(3), an AF_UNIX datagram socket bound in a temp dir,
// to set as NOTIFY_SOCKET for a process under test (what systemd's manager does).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSocket, type UnixDgramSocket } from 'unix-dgram';

// One datagram "A=1\nB=x" as { A: '1', B: 'x' } (later duplicates win, as in systemd).
export function parseNotifyMessage(message: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of message.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return fields;
}

export class NotifyReceiver {
  // Every datagram received, in arrival order, as text.
  readonly messages: string[] = [];
  private readonly waiters: Array<{ predicate: (message: string) => boolean; resolve: (message: string) => void }> = [];

  private constructor(
    readonly path: string,
    private readonly dir: string,
    private readonly socket: UnixDgramSocket,
  ) {
    socket.on('message', (buf: Buffer) => {
      const message = buf.toString('utf8');
      this.messages.push(message);
      for (const waiter of [...this.waiters]) {
        if (waiter.predicate(message)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
    });
  }

  static async create(): Promise<NotifyReceiver> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-'));
    const socketPath = path.join(dir, 'notify.sock');
    const socket = createSocket('unix_dgram');
    await new Promise<void>((resolve, reject) => {
      socket.once('listening', () => resolve());
      socket.once('error', reject);
      socket.bind(socketPath);
    });
    return new NotifyReceiver(socketPath, dir, socket);
  }

  // Resolves with the first datagram (already received or still to come) that matches.
  waitFor(predicate: (message: string) => boolean, timeoutMs = 10000): Promise<string> {
    const seen = this.messages.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (message: string) => {
          clearTimeout(timer);
          resolve(message);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no matching sd_notify datagram within ${timeoutMs} ms; received: ${JSON.stringify(this.messages)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.socket.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
