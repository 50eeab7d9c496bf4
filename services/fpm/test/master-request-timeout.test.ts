// request_terminate_timeout with requests that merely wait, on a JavaScript worker that runs
// several at once: php-fpm ends the one child whose request timed out, so fpm-ts ends the one
// request, with php-fpm's log line and an END_REQUEST for the web server, and the requests
// running beside it on the same worker go on. (A handler that blocks the event loop still costs
// its worker: see master-static.test.ts.)
import net from 'node:net';
import { encodeRequest, encodeStream, FCGI_STDIN, RecordParser, type FastcgiRecord } from '@libs/fastcgi';
import { FpmUnderTest, sleep, type CgiResponse } from './master-harness';

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
pm.status_path = /status
catch_workers_output = yes
request_terminate_timeout = 2s
`;

/** An upload whose body stalls: params and 1000 bytes of a 100000-byte body, then nothing. */
function stalledUpload(socketPath: string, script: string): { records: FastcgiRecord[]; closed: Promise<void>; socket: net.Socket } {
  const records: FastcgiRecord[] = [];
  const parser = new RecordParser({ onRecord: (r) => records.push(r.kind === 'stream' ? { ...r, data: Buffer.from(r.data) } : r) });
  const params = { REQUEST_METHOD: 'POST', SCRIPT_FILENAME: script, SCRIPT_NAME: '/upload.js', REQUEST_URI: '/upload.js', CONTENT_LENGTH: '100000' };
  const socket = net.connect(socketPath, () => {
    for (const b of [...encodeRequest(1, { params, keepConn: true }), ...encodeStream(FCGI_STDIN, 1, Buffer.alloc(1000, 'x'))]) socket.write(b);
  });
  socket.on('data', (c: Buffer) => parser.execute(c));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { records, closed, socket };
}

test('a stalled upload is ended alone: the requests beside it on the same worker are answered', async () => {
  fpm = await FpmUnderTest.start(conf);
  const sock = fpm.path('www.sock');
  const pidBefore = (await fpm.request(sock, 'pid.js')).body;
  // The handler is loaded (and the worker warm) before the clock starts.
  expect((await fpm.request(sock, 'slow.js', 'ms=10')).body).toBe('slept 10');
  const upload = stalledUpload(sock, fpm.path('upload.js'));
  // Ordinary requests, each shorter than the timeout, start every 300 ms from before the upload
  // times out until after: some are always running on the worker when it does.
  const normal: Promise<CgiResponse>[] = [];
  const timedOut = fpm.waitLine(/execution timed out/, 10_000);
  let done = false;
  void timedOut.then(() => sleep(1500)).then(() => (done = true), () => (done = true));
  await sleep(500);
  while (!done) {
    normal.push(fpm.request(sock, 'slow.js', 'ms=1200'));
    await sleep(300);
  }
  const line = await timedOut;
  expect(line).toMatch(/WARNING: \[pool www\] child \d+, script '.*upload\.js' \(request: "POST \/upload\.js"\) execution timed out \(2\.\d{6} sec\), terminating$/);
  const answers = await Promise.all(normal);
  expect(answers.length).toBeGreaterThanOrEqual(5);
  expect(answers.map((a) => a.body)).toEqual(answers.map(() => 'slept 1200'));
  // The web server hears the request end (END_REQUEST, nothing on STDOUT: nginx answers 502, as
  // for a php-fpm child killed mid-request); the kept-alive connection stays usable.
  await sleep(200);
  expect(upload.records.map((r) => r.kind)).toEqual(['stream-end', 'end-request']);
  expect(upload.records[1]).toMatchObject({ appStatus: 255, protocolStatus: 0 });
  upload.socket.destroy();
  await upload.closed;
  // The worker was not terminated.
  expect((await fpm.request(sock, 'pid.js')).body).toBe(pidBefore);
  expect(fpm.all.filter((l) => /exited|ERROR/.test(l))).toEqual([]);
});

test('a handler that awaits forever is ended alone, and its worker keeps serving', async () => {
  fpm = await FpmUnderTest.start(conf);
  const sock = fpm.path('www.sock');
  const pidBefore = (await fpm.request(sock, 'pid.js')).body;
  const stuck = await fpm.request(sock, 'stuck.js');
  // cgi-fcgi got a complete FastCGI answer without a response, and exits with its app status
  // (255: the script did not finish), not with a broken connection's 253.
  expect([stuck.code, stuck.body]).toEqual([255, '']);
  await fpm.waitLine(/WARNING: \[pool www\] child \d+, script '.*stuck\.js' \(request: "GET \/stuck\.js"\) execution timed out \(2\.\d{6} sec\), terminating$/);
  expect((await fpm.request(sock, 'pid.js')).body).toBe(pidBefore);
  const status = await fpm.statusJson(sock);
  expect(status.processes.map((p) => p.state)).toEqual(['Running']);
  expect(fpm.all.filter((l) => /exited|ERROR/.test(l))).toEqual([]);
});
