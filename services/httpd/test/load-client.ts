// A keep-alive load of our own for the watcher tests (wrk would do, but cannot tell a request the
// server answered with "Connection: close" from one it dropped): each of N connections sends one
// GET, reads the answer (Content-Length framing), and sends the next; after "Connection: close"
// it opens a new connection, which is not a failure. A connection that ends or fails with a
// request unanswered is a failed request; a connect that fails is a refused connection.
import net from 'node:net';

export interface LoadResult {
  readonly ok: number;
  readonly failed: number;
  readonly refused: number;
  /** Answers that carried "Connection: close" (a retiring worker's last answer on a connection). */
  readonly closes: number;
  /** Each distinct Server header value seen, with its count. */
  readonly servers: ReadonlyMap<string, number>;
  readonly errors: readonly string[];
}

export interface Load {
  stop(): Promise<LoadResult>;
}

interface Tally {
  ok: number;
  failed: number;
  refused: number;
  closes: number;
  servers: Map<string, number>;
  errors: string[];
}

function runConnection(port: number, path: string, tally: Tally, running: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let connected = false;
    let waiting = false;
    let buf = Buffer.alloc(0);
    const send = (): void => {
      if (!running()) {
        sock.end();
        return;
      }
      waiting = true;
      sock.write(`GET ${path} HTTP/1.1\r\nHost: load\r\n\r\n`);
    };
    sock.on('connect', () => {
      connected = true;
      send();
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        buf = buf.subarray(end + 4 + length);
        waiting = false;
        if (/^HTTP\/1\.1 200/.test(head)) tally.ok++;
        else {
          tally.failed++;
          tally.errors.push(head.split('\r\n')[0] ?? head);
        }
        const server = /\r\nserver: *([^\r]*)/i.exec(head)?.[1] ?? '';
        tally.servers.set(server, (tally.servers.get(server) ?? 0) + 1);
        if (/\r\nconnection: *close/i.test(head)) {
          tally.closes++;
          sock.end();
          return;
        }
        send();
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (!connected) {
        tally.refused++;
        tally.errors.push(`connect: ${e.code ?? e.message}`);
      } else if (waiting) tally.errors.push(`${e.code ?? e.message} with a request unanswered`);
    });
    sock.on('close', () => {
      if (connected && waiting) {
        tally.failed++;
        if (!tally.errors.at(-1)?.includes('unanswered')) tally.errors.push('closed with a request unanswered');
      }
      resolve();
    });
  });
}

/** Starts `connections` keep-alive loops against 127.0.0.1:port. */
export function startLoad(port: number, connections: number, path = '/a.txt'): Load {
  const tally: Tally = { ok: 0, failed: 0, refused: 0, closes: 0, servers: new Map(), errors: [] };
  let running = true;
  const loops = Array.from({ length: connections }, async () => {
    while (running) await runConnection(port, path, tally, () => running);
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return tally;
    },
  };
}
