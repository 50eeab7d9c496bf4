// Process-level: a file rewritten with the same size within the same second of mtime must get a
// new ETag, so a client revalidating with the old tag gets the new content, not 304. lighttpd
// 1.4.69 mixes st_mtim.tv_nsec into the tag (http_etag.c); it runs the same steps in this test.
import fs from 'node:fs';
import path from 'node:path';
import { startLighttpd } from './lighttpd-support';
import { get, parseResponses, rawExchange, startConf, tempDir, type ParsedResponse, type RunningServer } from './serve-support';

let dir: string;
let server: RunningServer | null = null;

beforeEach(() => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs'));
});
afterEach(async () => {
  await server?.stop();
  server = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A whole second of mtime, long past, so the wall clock plays no part in "the same second". */
const SECOND = 1700000000;
/** A type of its own: lighttpd sends no caching headers with the implicit application/octet-stream. */
const MIME = 'mimetype.assign = ( ".txt" => "text/plain" )';

async function fetchFile(port: number, extra = ''): Promise<ParsedResponse> {
  const r = parseResponses(await rawExchange(port, get('/f.txt', extra)))[0];
  if (r === undefined) throw new Error('no response');
  return r;
}

/**
 * Serves "old!" with mtime SECOND.1, rewrites it as "new!" with mtime SECOND.6 and waits (up to
 * 3 s: stat caches keep an entry for about a second) for the ETag to change; then revalidates
 * with the old tag.
 */
async function rewriteWithinOneSecond(port: number): Promise<{ changed: boolean; revalidated: ParsedResponse }> {
  const file = path.join(dir, 'htdocs', 'f.txt');
  const first = await fetchFile(port);
  expect(first.body.toString()).toBe('old!');
  const oldTag = first.headers['etag'] ?? '';
  expect(oldTag).toMatch(/^"\d+"$/);
  fs.writeFileSync(file, 'new!');
  fs.utimesSync(file, SECOND, SECOND + 0.6);
  let changed = false;
  for (const end = Date.now() + 3000; !changed && Date.now() < end; ) {
    await new Promise((r) => setTimeout(r, 200));
    changed = (await fetchFile(port)).headers['etag'] !== oldTag;
  }
  return { changed, revalidated: await fetchFile(port, `If-None-Match: ${oldTag}\r\n`) };
}

function writeOld(): void {
  const file = path.join(dir, 'htdocs', 'f.txt');
  fs.writeFileSync(file, 'old!');
  fs.utimesSync(file, SECOND, SECOND + 0.1);
}

test('lighttpd 1.4.69 gives the rewritten file a new ETag and answers the old one with 200', async () => {
  writeOld();
  const lighttpd = await startLighttpd(`server.document-root = "${dir}/htdocs"\n${MIME}`, dir);
  try {
    const r = await rewriteWithinOneSecond(lighttpd.port);
    expect(r.changed).toBe(true);
    expect(r.revalidated.status).toBe(200);
    expect(r.revalidated.body.toString()).toBe('new!');
  } finally {
    await lighttpd.stop();
  }
});

test('httpd-ts gives the rewritten file a new ETag and answers the old one with 200', async () => {
  writeOld();
  server = await startConf(`server.document-root = "@ROOT@/htdocs"\nserver.bind = "127.0.0.1"\nserver.port = 0\nserver.errorlog = "@TMP@/error.log"\n${MIME}\n`, dir);
  const r = await rewriteWithinOneSecond(server.port);
  expect(r.changed).toBe(true);
  expect(r.revalidated.status).toBe(200);
  expect(r.revalidated.body.toString()).toBe('new!');
});
