// serveFastcgi's drain over real unix sockets: what a php-fpm child does when it leaves (reload,
// pm.max_requests, graceful stop): idle kept-alive connections close, a connection accepted but
// not yet asked anything is still answered, and the drain completes when the last one is gone.
import net from 'node:net';
import {
  encodeBeginRequest,
  encodeParams,
  encodeStreamEnd,
  FastcgiClientConnection,
  FCGI_RESPONDER,
  FCGI_STDIN,
} from '../src';
import { serveOnUnixSocket, silentLog as log, type UnixServing } from './unix-serving';

let app: UnixServing;
const sock = (): string => app.path;

beforeEach(async () => {
  app = await serveOnUnixSocket((req) => {
    req.write(`Content-Type: text/plain\r\n\r\nanswered ${req.params.get('N') ?? ''}`);
    req.end(0);
  });
});

afterEach(() => app.stop());

const closed = (c: FastcgiClientConnection): Promise<void> =>
  new Promise((resolve) => (c.socket.destroyed ? resolve() : c.socket.once('close', () => resolve())));

it('closes idle kept-alive connections, answers a fresh one first, then reports drained', async () => {
  const idle = await FastcgiClientConnection.connect({ path: sock() }, { log });
  expect((await idle.request({ params: { N: '1' } })).stdout.toString()).toContain('answered 1');
  const fresh = await FastcgiClientConnection.connect({ path: sock() }, { log });
  // Wait until the server has accepted the fresh connection before draining.
  while (app.serving.connections < 2) await new Promise((r) => setTimeout(r, 5));

  let drained = false;
  app.server.close();
  app.serving.drain(() => (drained = true));
  await closed(idle);
  expect(drained).toBe(false);

  expect((await fresh.request({ params: { N: '2' } })).stdout.toString()).toContain('answered 2');
  await closed(fresh);
  // The server closes its end once it reads the client's (php-fpm's fcgi_close() drain).
  for (let i = 0; i < 100 && !drained; i++) await new Promise((r) => setTimeout(r, 10));
  expect(drained).toBe(true);
  expect(app.serving.connections).toBe(0);
});

it('lets a web server finish sending after the answer: a drain waits for its close instead of resetting', async () => {
  // cgi-fcgi's order: BEGIN and PARAMS, then (the answer may already be there) the STDIN terminator.
  // Half-open, as cgi-fcgi is: it keeps writing after the server's end arrived.
  const client = net.connect({ path: sock(), allowHalfOpen: true });
  const errors: string[] = [];
  client.on('error', (err) => errors.push(err.message));
  const answer = new Promise<void>((resolve) => client.once('data', () => resolve()));
  client.write(Buffer.concat([encodeBeginRequest(1, FCGI_RESPONDER, 0), ...encodeParams(1, { N: '3' })]));
  await answer;
  let drained = false;
  app.server.close();
  app.serving.drain(() => (drained = true));
  await new Promise((r) => setTimeout(r, 50));
  // Written after the server ended its side: it must still be read, not answered with a reset.
  client.end(encodeStreamEnd(FCGI_STDIN, 1));
  await new Promise((resolve) => client.once('close', resolve));
  for (let i = 0; i < 100 && !drained; i++) await new Promise((r) => setTimeout(r, 10));
  expect(errors).toEqual([]);
  expect(drained).toBe(true);
});
