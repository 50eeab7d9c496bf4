// Process-level: -1 (serve the connection on standard input, one request, then exit, as lighttpd
// server_oneshot_init) and -i SECS (graceful shutdown after that long without a connection).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnTs, workspaceRoot } from '@libs/testing';
import { errorLog, get, parseResponses, startConf, tempDir, type RunningServer } from './serve-support';

const BIN = path.join(workspaceRoot, 'services/httpd/bin/httpd-ts.ts');
let dir: string;
let server: RunningServer | null = null;
let child: ChildProcess | null = null;
let listener: net.Server | null = null;

const CONF = `
server.document-root = "@ROOT@/htdocs"
server.bind = "127.0.0.1"
server.port = 0
server.errorlog = "@ROOT@/error.log"
`;

beforeEach(() => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs'));
  fs.writeFileSync(path.join(dir, 'htdocs', 'one.txt'), 'one shot\n');
});
afterEach(async () => {
  await server?.stop();
  server = null;
  const c = child;
  child = null;
  if (c !== null && c.exitCode === null && c.signalCode === null) {
    c.kill('SIGKILL');
    await new Promise((r) => c.once('exit', r));
  }
  listener?.close();
  listener = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('-1 answers one request on the socket it was given as stdin and exits', async () => {
  // accept a connection here and hand the accepted socket to httpd-ts as its standard input
  const l = net.createServer({ pauseOnConnect: true });
  listener = l;
  await new Promise<void>((r) => l.listen(0, '127.0.0.1', r));
  const port = (l.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((r) => l.once('connection', r));
  const client = net.connect({ host: '127.0.0.1', port });
  const serverSide = await accepted;
  const conf = path.join(dir, 'httpd.conf');
  fs.writeFileSync(conf, CONF.replaceAll('@ROOT@', dir));
  const c = spawnTs(BIN, ['-1', '-f', conf], { stdio: [serverSide, 'pipe', 'pipe'] });
  child = c;
  serverSide.destroy();
  const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));

  const data = await new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    client.on('data', (d: Buffer) => chunks.push(d));
    client.on('end', () => resolve(Buffer.concat(chunks)));
    // keep-alive asked for; -1 closes after the one response all the same
    client.write(get('/one.txt', '', false));
  });
  client.destroy();
  const [r] = parseResponses(data);
  expect(r?.status).toBe(200);
  expect(r?.body.toString()).toBe('one shot\n');
  expect(r?.headers['connection']).toBe('close');
  expect(await exited).toBe(0);
});

test('-1 refuses a standard input that is not a socket', async () => {
  const conf = path.join(dir, 'httpd.conf');
  fs.writeFileSync(conf, CONF.replaceAll('@ROOT@', dir));
  // a regular file (node's 'pipe' stdio would be a socketpair)
  const input = fs.openSync(path.join(dir, 'htdocs', 'one.txt'), 'r');
  const c = spawnTs(BIN, ['-1', '-f', conf], { stdio: [input, 'pipe', 'pipe'] });
  fs.closeSync(input);
  child = c;
  let stderr = '';
  c.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => c.once('exit', (x) => r(x)));
  expect(code).toBe(255);
  expect(stderr).toContain('stdin is not a socket');
});

test('-i 1 stops the server gracefully once it had no connection for more than a second', async () => {
  server = await startConf(CONF, dir, ['-i', '1']);
  const code = await new Promise<number | null>((r) => server?.child.once('exit', (x) => r(x)));
  expect(code).toBe(0);
  const log = errorLog(dir);
  expect(log).toContain('[note] idle timeout 1s exceeded, initiating graceful shutdown');
  expect(log).toContain('server stopped after idle timeout');
});
