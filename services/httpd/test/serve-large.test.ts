// Process-level: a file above the in-memory limit is streamed from disk in chunks with
// back-pressure (a client that reads slowly), whole and in ranges across chunk boundaries.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SMALL_FILE_LIMIT } from '../src/core/stat-cache';
import { get, parseResponses, rawExchange, startConf, tempDir, type RunningServer } from './serve-support';

let dir: string;
let server: RunningServer | null = null;
const large = crypto.randomBytes(SMALL_FILE_LIMIT * 3 + 12345);

beforeAll(async () => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs'));
  fs.writeFileSync(path.join(dir, 'htdocs', 'large.bin'), large);
  server = await startConf(
    'server.document-root = "@ROOT@/htdocs"\nserver.bind = "127.0.0.1"\nserver.port = 0\nserver.errorlog = "@TMP@/error.log"\n',
    dir,
  );
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sha = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

test('a large file arrives whole to a client that reads slowly', async () => {
  const port = server?.port ?? 0;
  const data = await new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      // read in bursts: the server has to wait for the socket to drain
      s.pause();
      setTimeout(() => s.resume(), 2);
    });
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.write(get('/large.bin'));
  });
  const [r] = parseResponses(data);
  expect(r?.status).toBe(200);
  expect(r?.body.length).toBe(large.length);
  expect(sha(r?.body ?? Buffer.alloc(0))).toBe(sha(large));
});

test('a range across a chunk boundary of a streamed file', async () => {
  const from = SMALL_FILE_LIMIT - 10;
  const [r] = parseResponses(await rawExchange(server?.port ?? 0, get('/large.bin', `Range: bytes=${from}-${from + 99}\r\n`)));
  expect(r?.status).toBe(206);
  expect(r?.body.equals(large.subarray(from, from + 100))).toBe(true);
});
