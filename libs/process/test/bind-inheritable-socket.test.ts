// bindInheritableSocket's failures carry the errno the kernel gave, never a socket bound elsewhere.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { bindInheritableSocket, type ProcessError } from '../src';

function bindFailure(where: Parameters<typeof bindInheritableSocket>[0]): ProcessError {
  try {
    const socket = bindInheritableSocket(where, { listen: true });
    socket.close();
  } catch (err) {
    return err as ProcessError;
  }
  throw new Error(`binding ${JSON.stringify(where)} succeeded`);
}

it('refuses a TCP port somebody listens on (libuv defers that EADDRINUSE to listen())', async () => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = busy.address() as net.AddressInfo;
    const err = bindFailure({ host: '127.0.0.1', port });
    expect(err.code).toBe('PROCESS_ERR_SOCKET_BIND');
    expect((err.cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    expect(err.message).toBe(`binding 127.0.0.1:${port} failed: EADDRINUSE: address already in use, bind '127.0.0.1:${port}'`);
  } finally {
    await new Promise((resolve) => busy.close(resolve));
  }
});

it('says ENOENT for a unix socket in a missing directory, where libuv says EACCES', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bind-'));
  try {
    const err = bindFailure({ path: path.join(dir, 'missing', 'a.sock') });
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect((err.cause as NodeJS.ErrnoException).errno).toBe(-os.constants.errno.ENOENT);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it('binds and listens on a free port, reporting the port the kernel chose', () => {
  const socket = bindInheritableSocket({ host: '127.0.0.1', port: 0 }, { listen: true });
  try {
    expect('port' in socket.address && socket.address.port).toBeGreaterThan(0);
  } finally {
    socket.close();
  }
});
