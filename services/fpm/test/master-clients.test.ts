// FastCGI clients as they come: one that shuts down its write side once its request is sent
// (php-fpm still answers it), one that breaks the protocol, and one that goes away while its
// body is read (php-fpm logs neither).
import net from 'node:net';
import { encodeRequest, encodeStream, FCGI_END_REQUEST, FCGI_STDIN, RecordParser, type FastcgiRecord } from '@libs/fastcgi';
import { FpmUnderTest, sleep } from './master-harness';

let fpm: FpmUnderTest | undefined;

afterEach(async () => {
  await fpm?.stop();
  fpm = undefined;
});

const conf = `[global]
error_log = /dev/stderr
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 1
catch_workers_output = yes
`;

const paramsFor = (file: string, query = ''): Record<string, string> => ({
  REQUEST_METHOD: 'GET',
  SCRIPT_FILENAME: fpm?.path(file) ?? '',
  SCRIPT_NAME: `/${file}`,
  REQUEST_URI: `/${file}${query === '' ? '' : `?${query}`}`,
  QUERY_STRING: query,
});

/** Sends `bytes`, shuts down the write side at once (shutdown(SHUT_WR)), and reads until the server closes. */
function sendAndHalfClose(socketPath: string, bytes: Buffer[]): Promise<FastcgiRecord[]> {
  return new Promise((resolve, reject) => {
    const records: FastcgiRecord[] = [];
    const parser = new RecordParser({ onRecord: (r) => records.push(r.kind === 'stream' ? { ...r, data: Buffer.from(r.data) } : r) });
    const socket = net.connect(socketPath, () => {
      for (const b of bytes) socket.write(b);
      socket.end();
    });
    socket.on('data', (c: Buffer) => parser.execute(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(records));
  });
}

function stdoutOf(records: FastcgiRecord[]): string {
  return Buffer.concat(records.flatMap((r) => (r.kind === 'stream' ? [r.data] : []))).toString('utf8');
}

test('a client that half-closes after a complete request still gets its answer, then the connection closes', async () => {
  fpm = await FpmUnderTest.start(conf);
  const sock = fpm.path('www.sock');
  // A handler that awaits, and one that answers at once (the first request also loads it).
  for (const [file, query, body] of [['slow.js', 'ms=50', 'slept 50'], ['hello.mjs', '', 'hello'], ['hello.mjs', '', 'hello']] as const) {
    const records = await sendAndHalfClose(sock, encodeRequest(1, { params: paramsFor(file, query), stdin: '', keepConn: false }));
    expect(stdoutOf(records)).toMatch(new RegExp(`\\r\\n\\r\\n${body}$`));
    expect(records.at(-1)).toMatchObject({ kind: 'end-request', requestId: 1, appStatus: 0 });
  }
  // Kept-alive (FCGI_KEEP_CONN) too: answered, then closed since nothing more can come.
  const kept = await sendAndHalfClose(sock, encodeRequest(1, { params: paramsFor('slow.js', 'ms=50'), stdin: '', keepConn: true }));
  expect(stdoutOf(kept)).toMatch(/slept 50$/);
  expect(kept.at(-1)?.type).toBe(FCGI_END_REQUEST);
});

/** Opens a connection, writes `bytes`, and resets it after `holdMs`, as a client that gives up. */
function sendAndVanish(socketPath: string, bytes: Buffer[], holdMs: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath, () => {
      for (const b of bytes) socket.write(b);
      setTimeout(() => socket.destroy(), holdMs);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/**
 * A line the worker logs after everything it did before, through the same channel: a script
 * outside security.limit_extensions.
 */
async function marker(): Promise<void> {
  const sock = fpm?.path('www.sock') ?? '';
  expect((await fpm?.request(sock, 'marker.txt'))?.status).toBe(403);
  await fpm?.waitLine(/Access to the script '.*marker\.txt' has been denied/);
}

test('malformed FastCGI connections are closed without a log line each, as php-fpm does', async () => {
  fpm = await FpmUnderTest.start(conf);
  const sock = fpm.path('www.sock');
  const garbage = [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.from([9, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (let i = 0; i < 5; i++) for (const bytes of garbage) await sendAndHalfClose(sock, [bytes]);
  await marker();
  expect(fpm.all.filter((l) => /closing FastCGI connection|WARNING|ERROR/.test(l) && !/has been denied/.test(l))).toEqual([]);
  expect((await fpm.request(sock, 'hello.mjs')).body).toBe('hello');
});

test('a client that goes away while its body is read is no server error: no ERROR, no stack', async () => {
  fpm = await FpmUnderTest.start(conf);
  const sock = fpm.path('www.sock');
  const params = { ...paramsFor('upload.js'), REQUEST_METHOD: 'POST', CONTENT_LENGTH: '100000' };
  // Params and the start of the body; the rest never comes.
  const request = encodeRequest(1, { params, keepConn: false });
  const someBody = encodeStream(FCGI_STDIN, 1, Buffer.alloc(1000, 'x'));
  for (let i = 0; i < 3; i++) await sendAndVanish(sock, [...request, ...someBody], 300);
  await sleep(100);
  await marker();
  expect(fpm.all.filter((l) => /ERROR|uncaught|AbortError|^\s+at /.test(l))).toEqual([]);
  expect((await fpm.request(sock, 'hello.mjs')).body).toBe('hello');
});
