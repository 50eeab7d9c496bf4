// serveFastcgi on a server made with pauseOnConnect: every connection reads into one shared
// buffer. Two connections interleave requests sent a few bytes at a time, so each read
// overwrites the bytes of the last; params cut mid-pair and bodies read late must still come out
// exactly as sent, and connections the peer closes must be closed and counted out.
import net from 'node:net';
import {
  encodeBeginRequest,
  encodeParams,
  encodeStream,
  encodeStreamEnd,
  FCGI_KEEP_CONN,
  FCGI_RESPONDER,
  FCGI_STDIN,
  FCGI_STDOUT,
  RecordParser,
} from '../src';
import { serveOnUnixSocket, type UnixServing } from './unix-serving';

let app: UnixServing;
const sock = (): string => app.path;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeEach(async () => {
  app = await serveOnUnixSocket(
    async (req) => {
      // The body is read only after later reads have gone through the shared buffer.
      await sleep(30);
      const parts: Buffer[] = [];
      for await (const chunk of req.stdin) parts.push(chunk as Buffer);
      const params = [...req.params].map(([name, value]) => `${name}=${value}`).join('&');
      req.end(0, `Content-Type: text/plain\r\n\r\n${params}|${Buffer.concat(parts).toString()}`);
    },
    { pauseOnConnect: true },
  );
});

afterEach(() => app.stop());

/** One request: a long param (cut across reads) and a body of several STDIN records. */
function request(id: string): Buffer {
  return Buffer.concat([
    encodeBeginRequest(1, FCGI_RESPONDER, FCGI_KEEP_CONN),
    encodeParams(1, { CLIENT: id, LONG: id.repeat(200), REQUEST_METHOD: 'POST' }),
    encodeStream(FCGI_STDIN, 1, Buffer.from(`${id}-body-1;`)),
    encodeStream(FCGI_STDIN, 1, Buffer.from(`${id}-body-2;`.repeat(50))),
    encodeStreamEnd(FCGI_STDIN, 1),
  ].flat());
}

/** The STDOUT of the first response on `socket`. */
function response(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const parser = new RecordParser({
      onRecord: (record) => {
        if (record.kind === 'stream' && record.type === FCGI_STDOUT) out.push(Buffer.from(record.data));
        if (record.kind === 'end-request') resolve(Buffer.concat(out).toString());
      },
    });
    socket.on('data', (chunk: Buffer) => parser.execute(chunk));
  });
}

/** Writes `bytes` a few at a time, each piece after the other socket had its turn. */
async function dribble(socket: net.Socket, bytes: Buffer, piece: number): Promise<void> {
  for (let at = 0; at < bytes.length; at += piece) {
    socket.write(bytes.subarray(at, at + piece));
    await sleep(1);
  }
}

it('keeps what outlives a read: params cut between reads, bodies read late, two connections interleaved', async () => {
  const a = net.connect(sock());
  const b = net.connect(sock());
  // A failure shows in the expectations below, not as an unhandled 'error'.
  for (const s of [a, b]) s.on('error', () => undefined);
  const answers = [response(a), response(b)];
  await Promise.all([dribble(a, request('alpha'), 97), dribble(b, request('bravo'), 89)]);
  const [fromA, fromB] = await Promise.all(answers);
  for (const [id, text] of [['alpha', fromA], ['bravo', fromB]] as const) {
    const body = text?.split('\r\n\r\n')[1];
    expect(body).toBe(`CLIENT=${id}&LONG=${id.repeat(200)}&REQUEST_METHOD=POST|${id}-body-1;${`${id}-body-2;`.repeat(50)}`);
  }
  expect(app.serving.connections).toBe(2);
  // The peer hangs up: the connections are closed and counted out.
  a.end();
  b.destroy();
  for (let i = 0; i < 100 && app.serving.connections > 0; i++) await sleep(10);
  expect(app.serving.connections).toBe(0);
});
