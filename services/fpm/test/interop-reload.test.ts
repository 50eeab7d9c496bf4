// Reload (SIGUSR2) seen from a FastCGI client: a web server may connect at any moment, so a
// connection a retiring worker has already accepted must still get its answer, as in php-fpm,
// whose child serves the request it accepted before leaving.
import net from 'node:net';
import { encodeRequest } from '@libs/fastcgi';
import { FpmUnderTest, sleep } from './master-harness';
import { copyHandlers } from './fixtures/interop/peers';

let fpm: FpmUnderTest | undefined;
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await fpm?.stop();
  fpm = undefined;
});

test('a connection accepted just before SIGUSR2 is answered by the retiring worker, not reset', async () => {
  fpm = await FpmUnderTest.start(`[global]
error_log = /dev/stderr
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 1
`);
  copyHandlers(fpm.dir);
  const socket = net.createConnection(fpm.path('www.sock'));
  sockets.push(socket);
  const received: Buffer[] = [];
  const closed = new Promise<string>((resolve) => {
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', (err) => resolve(err.message));
    socket.on('close', () => resolve('closed'));
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  // The only worker accepts at once (its loop is idle); the web server is still composing the request.
  await sleep(300);
  fpm.signal('SIGUSR2');
  await fpm.waitLine(/NOTICE: Reloading in progress \.\.\./);
  await fpm.waitLine(/NOTICE: ready to handle connections/);
  await sleep(300);
  const params = { REQUEST_METHOD: 'GET', SCRIPT_FILENAME: fpm.path('echo.js'), SCRIPT_NAME: '/echo.js', REQUEST_URI: '/echo.js?late=1', QUERY_STRING: 'late=1' };
  if (!socket.destroyed) for (const chunk of encodeRequest(1, { params, keepConn: false, stdin: '' })) socket.write(chunk);
  const how = await closed;
  const out = Buffer.concat(received).toString('latin1');
  expect({ how, answered: out.includes('"query":"?late=1"') }).toEqual({ how: 'closed', answered: true });
});
