// Process-level tests of httpd-ts serving a static site: the real binary, a fixture lighttpd.conf,
// raw HTTP/1.1 over real sockets (keep-alive, pipelining, conditionals, ranges, listings, errors).
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { get, parseResponses, rawExchange, startServer, tempDir, type RunningServer } from './serve-support';

const A_TXT = 'hello world 0123456789abcdef\n';
let dir: string;
let server: RunningServer;
let big: Buffer;

beforeAll(async () => {
  dir = tempDir();
  const root = path.join(dir, 'htdocs');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.mkdirSync(path.join(root, 'listing', 'subdir'), { recursive: true });
  fs.mkdirSync(path.join(root, 'handled'), { recursive: true });
  fs.mkdirSync(path.join(root, 'nolisting'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'outside'));
  fs.writeFileSync(path.join(root, 'a.txt'), A_TXT);
  fs.writeFileSync(path.join(root, 'sub', 'index.html'), '<p>index</p>\n');
  fs.writeFileSync(path.join(root, 'listing', 'one.txt'), 'one');
  fs.writeFileSync(path.join(root, 'listing', '.hidden'), 'h');
  fs.writeFileSync(path.join(root, 'x.php'), '<?php ?>');
  fs.writeFileSync(path.join(root, '404.html'), 'custom 404\n');
  fs.writeFileSync(path.join(root, 'arch.tar.gz'), 'gz');
  fs.writeFileSync(path.join(root, 'noext'), 'data');
  fs.writeFileSync(path.join(dir, 'outside', 'secret.txt'), 'secret');
  fs.symlinkSync(path.join(dir, 'outside'), path.join(root, 'out'));
  big = crypto.randomBytes(1024 * 1024);
  fs.writeFileSync(path.join(root, 'big.bin'), big);
  server = await startServer('site.conf', dir);
}, 30000);

afterAll(async () => {
  await server?.stop('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
});

const one = async (req: string): Promise<ReturnType<typeof parseResponses>[number]> => {
  const r = parseResponses(await rawExchange(server.port, req));
  expect(r).toHaveLength(1);
  return r[0] as ReturnType<typeof parseResponses>[number];
};

describe('static files over HTTP/1.1', () => {
  it('serves pipelined keep-alive requests in order on one connection', async () => {
    const out = await rawExchange(server.port, get('/a.txt', '', false) + get('/sub/', '', false) + get('/nope.txt'));
    const r = parseResponses(out);
    expect(r.map((x) => x.status)).toEqual([200, 200, 404]);
    expect(r[0]?.body.toString()).toBe(A_TXT);
    expect(r[0]?.headers['connection']).toBeUndefined();
    expect(r[1]?.body.toString()).toBe('<p>index</p>\n');
    expect(r[2]?.headers['connection']).toBe('close');
    expect(r[0]?.headers['server']).toBe('httpd-ts/0.1.0');
    expect(r[0]?.headers['date']).toMatch(/GMT$/);
  });

  it('answers HEAD with the length but no body, and the next request still parses', async () => {
    const out = await rawExchange(server.port, `HEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\n` + get('/a.txt'));
    const r = parseResponses(out, [true]);
    expect(r.map((x) => x.status)).toEqual([200, 200]);
    expect(r[0]?.headers['content-length']).toBe(String(A_TXT.length));
    expect(r[1]?.body.toString()).toBe(A_TXT);
  });

  it('closes once the count goes above server.max-keep-alive-requests (5): the 6th response, as lighttpd', async () => {
    const reqs = Array.from({ length: 8 }, () => get('/a.txt', '', false)).join('');
    const r = parseResponses(await rawExchange(server.port, reqs));
    expect(r).toHaveLength(6);
    expect(r[4]?.headers['connection']).toBeUndefined();
    expect(r[5]?.headers['connection']).toBe('close');
  });

  it('still answers a client that half-closed after sending', async () => {
    const r = parseResponses(await rawExchange(server.port, get('/a.txt', '', false) + get('/a.txt', '', false), { halfClose: true }));
    expect(r.map((x) => x.status)).toEqual([200, 200]);
  });

  it('sends 304 for a matching ETag and for If-Modified-Since', async () => {
    const first = await one(get('/a.txt'));
    expect(first.headers['etag']).toMatch(/^"\d+"$/);
    const byTag = await one(get('/a.txt', `If-None-Match: ${first.headers['etag']}\r\n`));
    expect(byTag.status).toBe(304);
    expect(byTag.body.length).toBe(0);
    const byDate = await one(get('/a.txt', `If-Modified-Since: ${first.headers['last-modified']}\r\n`));
    expect(byDate.status).toBe(304);
    const stale = await one(get('/a.txt', 'If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n'));
    expect(stale.status).toBe(200);
    const otherTag = await one(get('/a.txt', 'If-None-Match: "nope"\r\n'));
    expect(otherTag.status).toBe(200);
  });

  it('answers Range with 206 (single and multipart) and 416', async () => {
    const single = await one(get('/a.txt', 'Range: bytes=-5\r\n'));
    expect(single.status).toBe(206);
    expect(single.headers['content-range']).toBe(`bytes 24-28/${A_TXT.length}`);
    expect(single.body.toString()).toBe(A_TXT.slice(24));
    const multi = await one(get('/big.bin', 'Range: bytes=0-1,200-202\r\n'));
    expect(multi.status).toBe(206);
    expect(multi.headers['content-type']).toBe('multipart/byteranges; boundary=fkj49sn38dcn3');
    const expected = Buffer.concat([
      Buffer.from(`--fkj49sn38dcn3\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-1/${big.length}\r\n\r\n`),
      big.subarray(0, 2),
      Buffer.from(`\r\n--fkj49sn38dcn3\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 200-202/${big.length}\r\n\r\n`),
      big.subarray(200, 203),
      Buffer.from('\r\n--fkj49sn38dcn3--\r\n'),
    ]);
    expect(multi.body.equals(expected)).toBe(true);
    const unsat = await one(get('/a.txt', 'Range: bytes=100-\r\n'));
    expect(unsat.status).toBe(416);
    expect(unsat.headers['content-range']).toBe(`bytes */${A_TXT.length}`);
    const ifRangeOld = await one(get('/a.txt', 'Range: bytes=0-1\r\nIf-Range: "stale"\r\n'));
    expect(ifRangeOld.status).toBe(200);
  });

  it('streams a 1 MiB file intact', async () => {
    const r = await one(get('/big.bin'));
    expect(r.status).toBe(200);
    expect(crypto.createHash('sha256').update(r.body).digest('hex')).toBe(crypto.createHash('sha256').update(big).digest('hex'));
  });

  it('maps directories: 301 to the slash form, index files, listings, 403 otherwise', async () => {
    const redirect = await one(get('/sub?x=1'));
    expect(redirect.status).toBe(301);
    expect(redirect.headers['location']).toBe('/sub/?x=1');
    const listing = await one(get('/listing/'));
    expect(listing.status).toBe(200);
    expect(listing.headers['content-type']).toBe('text/html');
    const html = listing.body.toString();
    expect(html).toContain('<title>Index of /listing/</title>');
    expect(html).toContain('<a href="one.txt">one.txt</a>');
    expect(html).toContain('<a href="subdir/">subdir</a>/');
    expect(html).not.toContain('.hidden');
    expect((await one(get('/nolisting/'))).status).toBe(403);
  });

  it('chooses Content-Type by mimetype.assign, application/octet-stream otherwise', async () => {
    expect((await one(get('/arch.tar.gz'))).headers['content-type']).toBe('application/x-tgz');
    expect((await one(get('/noext'))).headers['content-type']).toBe('application/octet-stream');
  });

  it('refuses excluded extensions, traversal and symlinks out of the root', async () => {
    expect((await one(get('/x.php'))).status).toBe(403);
    const dotdot = await one(get('/%2e%2e/outside/secret.txt'));
    expect(dotdot.status).toBe(404);
    expect(dotdot.body.toString()).not.toContain('secret');
    expect((await one(get('/sub/..%2f..%2foutside/secret.txt'))).status).toBe(404);
    expect((await one(get('/out/secret.txt'))).status).toBe(403);
  });

  it('re-dispatches to server.error-handler-404 inside its block', async () => {
    const r = await one(get('/handled/missing'));
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('custom 404\n');
  });

  it('applies $HTTP["host"] blocks per request', async () => {
    const r = await one('GET /a.txt HTTP/1.1\r\nHost: tagged.example\r\nConnection: close\r\n\r\n');
    expect(r.headers['server']).toBe('tagged-server');
  });

  it('answers OPTIONS * and absolute-form targets', async () => {
    const star = await one('OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(star.status).toBe(200);
    expect(star.headers['allow']).toBe('OPTIONS, GET, HEAD, POST');
    const abs = await one('GET http://tagged.example/a.txt HTTP/1.1\r\nHost: tagged.example\r\nConnection: close\r\n\r\n');
    expect(abs.body.toString()).toBe(A_TXT);
    expect(abs.headers['server']).toBe('tagged-server');
  });
});

describe('request bodies and malformed input', () => {
  it('answers malformed requests with the parser status and closes, and keeps serving', async () => {
    const dup = await rawExchange(server.port, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n' + get('/a.txt'));
    const r = parseResponses(dup);
    expect(r).toHaveLength(1);
    expect(r[0]?.status).toBe(400);
    expect(r[0]?.headers['connection']).toBe('close');
    expect(parseResponses(await rawExchange(server.port, 'GET / HTTP/2.0\r\n\r\n'))[0]?.status).toBe(505);
    expect(parseResponses(await rawExchange(server.port, 'BREW / HTTP/1.1\r\nHost: x\r\n\r\n'))[0]?.status).toBe(501);
    expect((await one(get('/a.txt'))).status).toBe(200);
  });

  it('refuses bodies over server.max-request-size with 413', async () => {
    const r = parseResponses(await rawExchange(server.port, `POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n`));
    expect(r[0]?.status).toBe(413);
    const chunked = `POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n${'x'.repeat(2048)}\r\n0\r\n\r\n`;
    expect(parseResponses(await rawExchange(server.port, chunked))[0]?.status).toBe(413);
  });

  it('reads chunked and Content-Length bodies before answering', async () => {
    const cl = `POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc`;
    const ch = `POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n`;
    const r = parseResponses(await rawExchange(server.port, cl + ch));
    expect(r.map((x) => x.status)).toEqual([200, 200]);
  });

  it('answers a static POST with Expect: 100-continue at once, without 100 and without reading the body (as lighttpd)', async () => {
    const sock = net.connect({ host: '127.0.0.1', port: server.port });
    let got = '';
    sock.on('data', (d) => (got += d.toString('latin1')));
    const closed = new Promise((resolve) => sock.on('close', resolve));
    sock.write('POST /a.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
    await closed;
    expect(got).not.toContain('100 Continue');
    expect(got).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    // the body was never read: the connection cannot carry another request
    expect(got).toContain('Connection: close');
  });
});
