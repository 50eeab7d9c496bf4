// Process-level: the event layer under httpd-ts: accept gating at server.max-connections with
// lighttpd's log lines, the keep-alive idle timeout from the 1-second trigger, and
// connection.kbytes-per-second shaping a download.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { errorLog, get, parseResponses, rawExchange, startConf, tempDir, until, type RunningServer } from './serve-support';

let dir: string;
let server: RunningServer | null = null;
const sockets: net.Socket[] = [];

beforeEach(() => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs'));
  fs.writeFileSync(path.join(dir, 'htdocs', 'small.txt'), 'small\n');
  fs.writeFileSync(path.join(dir, 'htdocs', 'big.bin'), Buffer.alloc(160 * 1024, 7));
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.stop();
  server = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

const conf = (extra: string): string => `
server.document-root = "@ROOT@/htdocs"
server.bind = "127.0.0.1"
server.port = 0
server.errorlog = "@TMP@/error.log"
${extra}
`;

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    sockets.push(s);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** The bytes a socket receives until `done(bytes)` holds. */
function receive(s: net.Socket, done: (data: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (done(all)) resolve(all);
    });
  });
}

test('server.max-connections = 2: the third connection waits until one closes; the sockets are disabled and enabled again', async () => {
  server = await startConf(conf('server.max-connections = 2\nserver.max-keep-alive-idle = 30'), dir);
  const a = await connect(server.port);
  await connect(server.port);
  await until(() => errorLog(dir).includes('[note] sockets disabled, connection limit reached'));

  const c = await connect(server.port);
  let answered = false;
  const answer = receive(c, (d) => d.includes('small\n')).then((d) => {
    answered = true;
    return d;
  });
  c.write(get('/small.txt', '', false));
  await new Promise((r) => setTimeout(r, 500));
  expect(answered).toBe(false);

  a.destroy();
  const data = await answer;
  expect(parseResponses(data)[0]?.status).toBe(200);
  expect(errorLog(dir)).toContain('[note] sockets enabled again');
});

test('an idle keep-alive connection is closed after server.max-keep-alive-idle', async () => {
  server = await startConf(conf('server.max-keep-alive-idle = 1'), dir);
  const s = await connect(server.port);
  const closed = new Promise<void>((resolve) => s.once('end', () => resolve()));
  const first = receive(s, (d) => d.includes('small\n'));
  s.write(get('/small.txt', '', false));
  expect(parseResponses(await first)[0]?.headers['connection']).toBeUndefined();
  // the 1-second trigger closes it once more than one second passed without input
  await closed;
});

test('connection.kbytes-per-second limits a download (loose bound) and the body arrives whole', async () => {
  server = await startConf(conf('connection.kbytes-per-second = 64'), dir);
  const started = Date.now();
  const [r] = parseResponses(await rawExchange(server.port, get('/big.bin'), { timeoutMs: 15000 }));
  const elapsed = Date.now() - started;
  expect(r?.status).toBe(200);
  expect(r?.body.length).toBe(160 * 1024);
  // 160 KiB at 64 KiB/s is at least two budget refills of the trigger
  expect(elapsed).toBeGreaterThanOrEqual(1000);
});
