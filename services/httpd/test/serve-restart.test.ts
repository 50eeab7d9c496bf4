// SIGUSR1, lighttpd's graceful restart: the configuration is read again and takes over the same
// listening socket (same port, same pid); a request in progress finishes under the old one; a broken
// configuration leaves the running one in place and says why.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { errorLog, startConf, tempDir, until, type RunningServer } from './serve-support';

let dir: string;
let server: RunningServer | null = null;

beforeEach(() => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs'));
  fs.writeFileSync(path.join(dir, 'htdocs', 'a.txt'), 'a\n');
});

afterEach(async () => {
  await server?.stop('SIGKILL');
  server = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

const conf = (tag: string): string => `server.document-root = "@ROOT@/htdocs"
server.bind = "127.0.0.1"
server.port = 0
server.errorlog = "@ROOT@/error.log"
server.tag = "${tag}"
`;

async function serverTag(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/a.txt`, { headers: { connection: 'close' } });
  await res.text();
  return res.headers.get('server') ?? '';
}

it('applies a new configuration on the same socket and pid, finishing a download with the old one', async () => {
  const big = Buffer.alloc(8 * 1024 * 1024, 'x');
  fs.writeFileSync(path.join(dir, 'htdocs', 'big.bin'), big);
  server = await startConf(conf('first'), dir);
  const { port } = server;

  // A download in progress across the restart, held back by a reader that pauses.
  const download = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  const ended = new Promise<void>((resolve) => download.on('end', () => resolve()));
  download.on('data', (d: Buffer) => {
    chunks.push(d);
    if (chunks.length === 1) download.pause();
  });
  download.write('GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await until(() => chunks.length > 0);

  fs.writeFileSync(path.join(dir, 'httpd.conf'), conf('second').replaceAll('@ROOT@', dir));
  server.child.kill('SIGUSR1');
  await until(() => errorLog(dir).includes('graceful restart done'));
  expect(await serverTag(port)).toBe('second');

  download.resume();
  await ended;
  const all = Buffer.concat(chunks);
  const head = all.toString('latin1', 0, all.indexOf('\r\n\r\n'));
  expect(head).toMatch(/^Server: first\r?$/m);
  expect(all.length - head.length - 4).toBe(big.length);
  expect(server.child.exitCode).toBeNull();
});

it('keeps serving the running configuration when the new one is broken, and says why', async () => {
  server = await startConf(conf('first'), dir);
  fs.writeFileSync(path.join(dir, 'httpd.conf'), 'server.port = "not a number"\n');
  server.child.kill('SIGUSR1');
  await until(() => errorLog(dir).includes('graceful restart failed'));
  expect(errorLog(dir)).toMatch(/graceful restart failed, still serving the previous configuration: .*server\.port/);
  expect(await serverTag(server.port)).toBe('first');
});
