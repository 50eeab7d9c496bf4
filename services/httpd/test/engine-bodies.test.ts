// Bodies both ways through the request engine, over real sockets: mod_echo (lighttpd 1.4.69
// src/mod_echo.c) answers with the request body (Content-Length, chunked, Expect: 100-continue,
// server.stream-request-body 0 and 2, server.max-request-size); a -m module (fixtures/modules/
// mod_stream.js) streams a response of unknown length (chunked on HTTP/1.1, close-delimited on
// HTTP/1.0, no body for HEAD) and is slowed by a client that does not read.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { get, parseResponses, rawExchange, startConf, tempDir, until, type RunningServer } from './serve-support';

const MODULES = path.join(__dirname, 'fixtures', 'modules');

const conf = (extra: string): string =>
  [
    'server.modules += ( "mod_echo", "mod_stream" )',
    'server.document-root = "@ROOT@/htdocs"',
    'server.bind = "127.0.0.1"',
    'server.port = 0',
    'server.errorlog = "@TMP@/error.log"',
    'server.upload-dirs = ( "@TMP@/uploads" )',
    extra,
    '',
  ].join('\n');

/** Sends `head`, then `body` in pieces, and reads the whole answer (the server closes). */
function post(port: number, head: string, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => resolve(Buffer.concat(chunks)));
    sock.on('connect', () => {
      sock.write(head);
      let at = 0;
      const next = (): void => {
        while (at < body.length) {
          const piece = body.subarray(at, at + 256 * 1024);
          at += piece.length;
          if (!sock.write(piece)) {
            sock.once('drain', next);
            return;
          }
        }
      };
      next();
    });
  });
}

/** Decodes a chunked body. */
function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', at);
    const size = parseInt(b.toString('latin1', at, eol), 16);
    if (size === 0) return Buffer.concat(out);
    out.push(b.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

function splitHead(b: Buffer): { head: string; body: Buffer } {
  const end = b.indexOf('\r\n\r\n');
  return { head: b.toString('latin1', 0, end), body: b.subarray(end + 4) };
}

const rss = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

/**
 * A server on `extra` for the enclosing describe: started before its tests (after `prepare` wrote
 * into the new directory), stopped and removed after them.
 */
function useServer(extra: string, prepare: (dir: string) => void = () => undefined): { port(): number; server(): RunningServer } {
  let dir = '';
  let server: RunningServer | null = null;
  beforeAll(async () => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, 'htdocs'));
    fs.mkdirSync(path.join(dir, 'uploads'));
    prepare(dir);
    server = await startConf(conf(extra), dir, ['-m', MODULES]);
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { port: () => (server as RunningServer).port, server: () => server as RunningServer };
}

describe.each([
  ['stream-request-body 0 (whole body first, temp files past 64 KiB)', 'server.stream-request-body = 0'],
  ['stream-request-body 2 and stream-response-body 2 (streamed both ways)', 'server.stream-request-body = 2\nserver.stream-response-body = 2'],
])('mod_echo, %s', (_name, extra) => {
  const { port, server } = useServer(extra);

  it('echoes a Content-Length body of 20 MiB byte for byte, and leaves no temp file behind', async () => {
    const body = crypto.randomBytes(20 * 1024 * 1024);
    const out = await post(port(), `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`, body);
    const { head, body: got } = splitHead(out);
    expect(head).toMatch(/^HTTP\/1\.1 200 OK/);
    const echoed = /Transfer-Encoding: chunked/.test(head) ? dechunk(got) : got;
    expect(echoed.equals(body)).toBe(true);
    // the temp files were unlinked as soon as they were opened
    expect(fs.readdirSync(path.join(server().dir, 'uploads'))).toEqual([]);
  }, 60000);

  it('decodes a chunked request body', async () => {
    const out = await rawExchange(port(), 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    const { head, body } = splitHead(out);
    expect(/Transfer-Encoding: chunked/.test(head) ? dechunk(body).toString() : body.toString()).toBe('hello world');
  });

  it('sends 100 Continue when it starts reading an expected body, then the echo', async () => {
    const sock = net.connect(port(), '127.0.0.1');
    let got = '';
    sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
    await new Promise((r) => sock.once('connect', r));
    sock.write('POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\nConnection: close\r\n\r\n');
    await until(() => got.includes('100 Continue'));
    // nothing before the 100 (streamed, the 200 head may follow it before the body)
    expect(got.startsWith('HTTP/1.1 100 Continue\r\n\r\n')).toBe(true);
    sock.write('body');
    await new Promise((r) => sock.once('close', r));
    expect(got).toContain('HTTP/1.1 200 OK');
    expect(got.endsWith('body') || got.includes('4\r\nbody\r\n')).toBe(true);
  });
});

describe('server.max-request-size while a chunked body is read', () => {
  const { port } = useServer('server.max-request-size = 1');

  it('answers 413 once the body passes the limit (1 KiB), before it ends', async () => {
    const piece = '400\r\n' + 'a'.repeat(0x400) + '\r\n';
    const out = await rawExchange(port(), 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' + piece + piece);
    expect(out.toString('latin1')).toMatch(/^HTTP\/1\.1 413 /);
  });
});

describe('a response of unknown length (mod_stream)', () => {
  const { port, server } = useServer('server.stream-response-body = 2', (dir) =>
    fs.writeFileSync(path.join(dir, 'htdocs', 'big.bin'), Buffer.alloc(64 * 1024 * 1024, 'b')),
  );

  it('is chunked on HTTP/1.1, with every byte', async () => {
    const { head, body } = splitHead(await rawExchange(port(), get('/stream?n=300000')));
    expect(head).toContain('Transfer-Encoding: chunked');
    expect(head).not.toContain('Content-Length');
    expect(dechunk(body).length).toBe(300000);
  });

  it('ends with the connection on HTTP/1.0, and HEAD gets no body', async () => {
    const { head, body } = splitHead(await rawExchange(port(), 'GET /stream?n=100000 HTTP/1.0\r\n\r\n'));
    expect(head).toContain('Connection: close');
    expect(head).not.toContain('Transfer-Encoding');
    expect(body.length).toBe(100000);
    const [h] = parseResponses(await rawExchange(port(), 'HEAD /stream?n=100000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), [true]);
    expect(h?.status).toBe(200);
    expect(h?.body.length).toBe(0);
  });

  it('a client that stops reading slows the producer: a bounded amount is produced and held', async () => {
    const pid = server().child.pid as number;
    const before = rss(pid);
    const statsBefore = Number(splitHead(await rawExchange(port(), get('/stream-stats'))).body.toString());
    // 40 clients ask for 1 GiB each, 40 for a 64 MiB file, and none of them reads
    const socks: net.Socket[] = [];
    for (let i = 0; i < 80; i++) {
      const s = net.connect(port(), '127.0.0.1');
      s.on('error', () => undefined);
      s.pause();
      s.write(i % 2 === 0 ? get('/stream?n=1073741824', '', false) : get('/big.bin', '', false));
      socks.push(s);
    }
    await new Promise((r) => setTimeout(r, 3000));
    const produced = Number(splitHead(await rawExchange(port(), get('/stream-stats'))).body.toString()) - statsBefore;
    const grown = rss(pid) - before;
    for (const s of socks) s.destroy();
    // per client: what the kernel's socket buffers took, plus the engine's 64 KiB mark or one file piece
    expect(produced / 40).toBeLessThan(8 * 1024 * 1024);
    // (the engine before this one held a 1 MiB file piece per such client)
    expect(grown / 80).toBeLessThan(1024 * 1024);
  }, 30000);
});
