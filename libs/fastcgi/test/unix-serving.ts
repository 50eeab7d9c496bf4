// serveFastcgi on a unix socket in a temporary directory, for the socket-level tests.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ServiceLog } from '@libs/log';
import { serveFastcgi, type FastcgiHandler, type FastcgiServing } from '../src';

export const silentLog: ServiceLog = { error: () => undefined, warn: () => undefined, notice: () => undefined, info: () => undefined, debug: () => undefined };

export interface UnixServing {
  readonly path: string;
  readonly server: net.Server;
  readonly serving: FastcgiServing;
  /** Closes every connection and the server, and removes the directory. */
  stop(): Promise<void>;
}

export async function serveOnUnixSocket(handler: FastcgiHandler, serverOptions: net.ServerOpts = {}): Promise<UnixServing> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcgi-serve-'));
  const socketPath = path.join(dir, 'app.sock');
  const server = net.createServer(serverOptions);
  const serving = serveFastcgi(server, handler, { log: silentLog });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    path: socketPath,
    server,
    serving,
    async stop() {
      serving.closeAll();
      // Already closed by a test that drained it: close() then reports that, which is fine here.
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
