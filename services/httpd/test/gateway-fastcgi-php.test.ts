// httpd-ts -> php8.2-fpm serving PHP (lighttpd 1.4.69 mod_fastcgi.c / gw_backend.c /
// http-header-glue.c), every answer compared with lighttpd 1.4.69's on the same config, the same
// php-fpm and the same request (Date, Server and ports masked; ETag values differ by design, so only
// their presence is compared): GET, a 50 MiB POST whose md5 PHP computes (whole body first, and
// streamed) with httpd-ts's RSS read from /proc while it flows, PATH_INFO, header() redirects,
// X-Sendfile (ETag, Range, 304, x-sendfile-docroot allowing and refusing, X-LIGHTTPD-send-file,
// X-Sendfile2) and a FastCGI Authorizer ("mode" => "authorizer": allow or deny by a request header,
// Variable-* headers into the next request's environment) in front of a static file and of a PHP script.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type FastcgiPeer, type HttpAnswer, md5, PHP_FPM, request, startPhpFpm } from './fastcgi-support';
import { LIGHTTPD, startLighttpd, type RunningLighttpd } from './lighttpd-support';
import { errorLog, runHttpd, startConf, tempDir, type RunningServer } from './serve-support';

let dir = '';
let backend: FastcgiPeer | undefined;
let server: RunningServer | undefined;
let lighttpd: RunningLighttpd | undefined;

afterEach(async () => {
  await server?.stop();
  await lighttpd?.stop();
  await backend?.stop();
  server = undefined;
  lighttpd = undefined;
  backend = undefined;
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/**
 * The authorizer: php-fpm runs SCRIPT_FILENAME, which for an authorizer is the file asked for (a
 * .txt too), so the pool prepends this to every script; in the FCGI_AUTHORIZER role it decides and
 * exits, as a responder it steps aside.
 */
const AUTH_PHP = `<?php
if (($_SERVER['FCGI_ROLE'] ?? '') !== 'AUTHORIZER') return;
$token = $_SERVER['HTTP_X_TOKEN'] ?? '';
if ($token === 'let-me-in') {
  header('Variable-Auth-User: alice');
  header('Variable-Role: admin');
  header('Variable-role: editor', false);
  header('X-Not-For-The-Client: 1');
  echo "the authorizer's own body, never sent\\n";
  exit;
}
if ($token === 'basic') {
  http_response_code(401);
  header('WWW-Authenticate: Basic realm="test"');
  exit;
}
http_response_code(403);
header('Content-Type: application/json');
header('X-Authorizer: no');
$env = $_SERVER;
unset($env['REQUEST_TIME'], $env['REQUEST_TIME_FLOAT'], $env['SERVER_SOFTWARE'], $env['SERVER_PORT'], $env['REMOTE_PORT'], $env['HTTP_HOST']);
ksort($env);
echo json_encode($env);
exit;
`;

const SCRIPTS: Record<string, string> = {
  'hello.php': `<?php header('Content-Type: text/plain'); echo 'hello ', $_GET['name'] ?? 'world', "\\n";`,
  // md5 of the body as PHP reads it, in 64 KiB pieces
  'md5.php': `<?php
$ctx = hash_init('md5');
$in = fopen('php://input', 'rb');
$n = 0;
while (!feof($in)) { $b = fread($in, 65536); if ($b === false) break; $n += strlen($b); hash_update($ctx, $b); }
header('Content-Type: text/plain');
echo $n, ' ', hash_final($ctx), ' ', $_SERVER['CONTENT_LENGTH'] ?? '-', "\\n";`,
  'pathinfo.php': `<?php
header('Content-Type: application/json');
$keys = ['SCRIPT_NAME', 'PATH_INFO', 'PATH_TRANSLATED', 'SCRIPT_FILENAME', 'REQUEST_URI', 'QUERY_STRING', 'PHP_SELF', 'DOCUMENT_ROOT'];
$out = [];
foreach ($keys as $k) $out[$k] = $_SERVER[$k] ?? null;
echo json_encode($out);`,
  'redirect.php': `<?php header('Location: /hello.php?name=redirected'); echo "moved\\n";`,
  'length.php': `<?php header('Content-Length: 6'); echo "sized\\n";`,
  'redirect301.php': `<?php header('Location: http://example.test/new', true, 301);`,
  'sendfile.php': `<?php
if (isset($_GET['type'])) header('Content-Type: ' . $_GET['type']);
if (isset($_GET['status'])) http_response_code((int)$_GET['status']);
header(($_GET['h'] ?? 'X-Sendfile') . ': ' . $_GET['f']);
header('Content-Length: 3');
echo "this body is replaced by the file\\n";`,
  'private/page.php': `<?php
header('Content-Type: application/json');
$in = file_get_contents('php://input');
echo json_encode(['role' => $_SERVER['FCGI_ROLE'] ?? null, 'auth_user' => $_SERVER['AUTH_USER'] ?? null, 'role_var' => $_SERVER['ROLE'] ?? null,
  'script_name' => $_SERVER['SCRIPT_NAME'], 'path_info' => $_SERVER['PATH_INFO'] ?? null, 'request_uri' => $_SERVER['REQUEST_URI'],
  'length' => strlen($in), 'md5' => md5($in)]);`,
};

/** dir/www (the document root, with /open/ and /stream/ copies), dir/files (x-sendfile-docroot), dir/secret.txt outside both. */
function layout(): { www: string; files: string } {
  const www = path.join(dir, 'www');
  const files = path.join(dir, 'files');
  for (const d of ['www/private', 'www/open', 'www/stream', 'files', 'uploads']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  for (const [name, text] of Object.entries(SCRIPTS)) fs.writeFileSync(path.join(www, name), text);
  fs.copyFileSync(path.join(www, 'sendfile.php'), path.join(www, 'open', 'sendfile.php'));
  fs.copyFileSync(path.join(www, 'md5.php'), path.join(www, 'stream', 'md5.php'));
  fs.writeFileSync(path.join(www, 'private', 'note.txt'), 'a static file behind the authorizer\n');
  fs.writeFileSync(path.join(dir, 'auth.php'), AUTH_PHP);
  // 300 KiB of a known pattern (files past 1 MiB are streamed from disk, smaller ones from memory)
  fs.writeFileSync(path.join(files, 'data.bin'), Buffer.from(Array.from({ length: 300 * 1024 }, (_, i) => (i * 7) % 256)));
  fs.writeFileSync(path.join(files, 'big.bin'), crypto.randomBytes(3 * 1024 * 1024 + 17));
  fs.writeFileSync(path.join(files, 'page.txt'), 'text from the files directory\n');
  fs.writeFileSync(path.join(files, 'empty.txt'), '');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside x-sendfile-docroot\n');
  return { www, files };
}

/** The config both servers run. */
function lines(www: string, files: string, socket: string): string {
  return [
    'server.modules += ( "mod_fastcgi" )',
    `server.document-root = "${www}"`,
    'mimetype.assign = ( ".txt" => "text/plain", ".bin" => "application/x-test-bin", ".html" => "text/html" )',
    'fastcgi.server = (',
    `  "/private/" => ( "auth" => ( "socket" => "${socket}", "mode" => "authorizer" ) ),`,
    `  ".php" => ( "php" => ( "socket" => "${socket}", "x-sendfile" => "enable", "x-sendfile-docroot" => ( "${files}/../files" ) ) ),`,
    ')',
    '$HTTP["url"] =~ "^/open/" {',
    `  fastcgi.server = ( ".php" => ( ( "socket" => "${socket}", "x-sendfile" => "enable" ) ) )`,
    '}',
    '$HTTP["url"] =~ "^/stream/" {',
    '  server.stream-request-body = 2',
    '  server.stream-response-body = 2',
    '}',
  ].join('\n');
}

async function startBoth(): Promise<{ www: string; files: string }> {
  const { www, files } = layout();
  // the authorizer's prepend runs for .txt files too (their PHP never runs: it exits first)
  backend = await startPhpFpm(dir, 4, undefined, `security.limit_extensions = .php .txt\nphp_admin_value[auto_prepend_file] = ${path.join(dir, 'auth.php')}\n`);
  const conf = lines(www, files, backend.socket);
  server = await startConf(['server.bind = "127.0.0.1"', 'server.port = 0', 'server.errorlog = "@TMP@/error.log"', 'server.upload-dirs = ( "@TMP@/uploads" )', conf, ''].join('\n'), dir);
  const ldir = path.join(dir, 'lighttpd');
  fs.mkdirSync(ldir);
  lighttpd = await startLighttpd(`server.upload-dirs = ( "${path.join(dir, 'uploads')}" )\n${conf}`, ldir);
  return { www, files };
}


/** What is compared of an answer: status, headers without Date and Server (an ETag's presence only), the body. */
function view(a: HttpAnswer): { status: number; headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.headers)) {
    if (k === 'date' || k === 'server') continue;
    headers[k] = k === 'etag' ? '<etag>' : String(v);
  }
  const text = a.body.length > 4096 ? `${a.body.length} bytes, md5 ${md5(a.body)}` : a.body.toString('latin1');
  return { status: a.status, headers, body: text };
}

/** The same request to both; returns both answers after checking they agree. */
async function same(method: string, target: string, body?: Buffer, headers: Record<string, string> = {}, skip: readonly string[] = []): Promise<[HttpAnswer, HttpAnswer]> {
  const ours = await request((server as RunningServer).port, method, target, body, headers);
  const theirs = await request((lighttpd as RunningLighttpd).port, method, target, body, headers);
  const a = view(ours);
  const b = view(theirs);
  for (const k of skip) {
    delete a.headers[k];
    delete b.headers[k];
  }
  expect([method, target, a]).toEqual([method, target, b]);
  return [ours, theirs];
}

/** VmRSS of a process in KiB, from /proc. */
function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]);
}

const peers = PHP_FPM !== undefined && LIGHTTPD !== undefined ? test : test.skip;

peers('GET, a 50 MiB POST (whole and streamed, md5 by PHP, RSS bounded), PATH_INFO and header() redirects: the same answers as lighttpd 1.4.69', async () => {
  dir = tempDir();
  const { www } = await startBoth();
  const ours = server as RunningServer;

  const [hello] = await same('GET', '/hello.php?name=php');
  expect(hello.status).toBe(200);
  expect(hello.body.toString()).toBe('hello php\n');
  // HEAD: PHP sends no body, and no length is made up for it (lighttpd's answer has none either)
  const [head] = await same('HEAD', '/hello.php');
  expect([head.status, head.headers['accept-ranges'], head.headers['content-length']]).toEqual([200, 'bytes', undefined]);
  // a length the script set is the HEAD answer's, as lighttpd keeps it
  const [sizedHead] = await same('HEAD', '/length.php');
  expect(sizedHead.headers['content-length']).toBe('6');

  // Range on a PHP answer the engine buffered to its end (server.stream-response-body = 0), as lighttpd does
  const [ranged] = await same('GET', '/hello.php?name=php', undefined, { Range: 'bytes=0-4' });
  expect([ranged.status, ranged.body.toString()]).toEqual([206, 'hello']);
  // (a 416 carries Content-Range: bytes */size here, on purpose: the README lists it)
  const [unsatisfiable] = await same('GET', '/hello.php', undefined, { Range: 'bytes=500-' }, ['content-range']);
  expect([unsatisfiable.status, unsatisfiable.headers['content-range']]).toEqual([416, 'bytes */12']);

  const [pi] = await same('GET', '/pathinfo.php/one/two?x=1');
  expect(JSON.parse(pi.body.toString())).toMatchObject({ SCRIPT_NAME: '/pathinfo.php', PATH_INFO: '/one/two', PATH_TRANSLATED: path.join(www, 'one/two'), SCRIPT_FILENAME: path.join(www, 'pathinfo.php'), QUERY_STRING: 'x=1' });

  const [moved] = await same('GET', '/redirect.php');
  expect([moved.status, moved.headers.location]).toEqual([302, '/hello.php?name=redirected']);
  const [perm] = await same('GET', '/redirect301.php');
  expect([perm.status, perm.headers.location]).toEqual([301, 'http://example.test/new']);

  // 50 MiB: the body goes to php-fpm through temp files (stream-request-body 0) or as it arrives (2)
  const body = crypto.randomBytes(50 * 1024 * 1024);
  const want = `${body.length} ${md5(body)} ${body.length}\n`;
  const pid = ours.child.pid as number;
  // the first large body grows V8's young generation to its size (about 35 MiB, measured); after that
  // a body held whole would show as its 50 MiB, where one that flows costs its 64 KiB pieces
  const warm = await request(ours.port, 'POST', '/stream/md5.php', body, { 'Content-Type': 'application/octet-stream' });
  expect(warm.body.toString()).toBe(want);
  for (const target of ['/md5.php', '/stream/md5.php']) {
    const before = rssKiB(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(pid))), 20);
    const posted = await request(ours.port, 'POST', target, body, { 'Content-Type': 'application/octet-stream' });
    clearInterval(sampler);
    peak = Math.max(peak, rssKiB(pid));
    expect([target, posted.status, posted.body.toString()]).toEqual([target, 200, want]);
    expect([target, peak - before < 16 * 1024]).toEqual([target, true]);
  }
  const theirs = await request((lighttpd as RunningLighttpd).port, 'POST', '/md5.php', body, { 'Content-Type': 'application/octet-stream' });
  expect([theirs.status, theirs.body.toString()]).toEqual([200, want]);
}, 120_000);

peers('X-Sendfile: the file as a static answer (Content-Type, ETag, Range, 304), x-sendfile-docroot allowing and refusing, X-LIGHTTPD-send-file and X-Sendfile2, as lighttpd 1.4.69', async () => {
  dir = tempDir();
  const { files } = await startBoth();
  const data = fs.readFileSync(path.join(files, 'data.bin'));
  const q = (f: string, extra = ''): string => `/sendfile.php?f=${encodeURIComponent(f)}${extra}`;

  // PHP's default Content-Type (text/html) stays; the backend's Content-Length and body are replaced
  const [whole, theirs] = await same('GET', q(path.join(files, 'data.bin')));
  expect(whole.status).toBe(200);
  expect(whole.body.equals(data)).toBe(true);
  expect(whole.headers['content-length']).toBe(String(data.length));
  expect(whole.headers['content-type']).toMatch(/^text\/html/);
  expect(whole.headers.etag).toBeDefined();
  expect(whole.headers['last-modified']).toBe(new Date(Math.floor(fs.statSync(path.join(files, 'data.bin')).mtimeMs / 1000) * 1000).toUTCString());
  expect(whole.headers['x-sendfile']).toBeUndefined();
  // HEAD: the file's length, not the Content-Length: 3 the script set
  const [head] = await same('HEAD', q(path.join(files, 'data.bin')));
  expect(head.headers['content-length']).toBe(String(data.length));

  // Content-Type from the script, and one from mimetype.assign when the script sets none (header_remove)
  await same('GET', q(path.join(files, 'page.txt'), '&type=text/x-mine'));
  await same('GET', q(path.join(files, 'big.bin')));
  await same('GET', q(path.join(files, 'empty.txt')));

  // Range on the file, one range and two
  const [part] = await same('GET', q(path.join(files, 'data.bin')), undefined, { Range: 'bytes=100-1099' });
  expect([part.status, part.headers['content-range']]).toEqual([206, `bytes 100-1099/${data.length}`]);
  expect(part.body.equals(data.subarray(100, 1100))).toBe(true);
  await same('GET', q(path.join(files, 'big.bin')), undefined, { Range: 'bytes=-10' });
  const [multi] = await same('GET', q(path.join(files, 'page.txt')), undefined, { Range: 'bytes=0-3,10-12' });
  expect(multi.status).toBe(206);

  // conditional: each server's own ETag and the file's Last-Modified
  const [ourFresh, theirFresh] = await Promise.all([
    request((server as RunningServer).port, 'GET', q(path.join(files, 'data.bin')), undefined, { 'If-None-Match': String(whole.headers.etag) }),
    request((lighttpd as RunningLighttpd).port, 'GET', q(path.join(files, 'data.bin')), undefined, { 'If-None-Match': String(theirs.headers.etag) }),
  ]);
  expect(view(ourFresh)).toEqual(view(theirFresh));
  expect(ourFresh.status).toBe(304);
  const [notModified] = await same('GET', q(path.join(files, 'data.bin')), undefined, { 'If-Modified-Since': String(whole.headers['last-modified']) });
  expect(notModified.status).toBe(304);

  // x-sendfile-docroot: a file outside it is refused with 403 and lighttpd's log line; a missing one is 404
  const [refused] = await same('GET', q(path.join(dir, 'secret.txt')));
  expect(refused.status).toBe(403);
  expect(errorLog(dir)).toContain(`X-Sendfile (${path.join(dir, 'secret.txt')}) not under configured x-sendfile-docroot(s)`);
  const [sneaky] = await same('GET', q(`${files}/../secret.txt`));
  expect(sneaky.status).toBe(403);
  const [missing] = await same('GET', q(path.join(files, 'nothing.bin')));
  expect(missing.status).toBe(404);
  expect(errorLog(dir)).toContain(`not a regular file: /sendfile.php -> ${path.join(files, 'nothing.bin')}`);
  const [dirAnswer] = await same('GET', q(files));
  expect(dirAnswer.status).toBe(403);
  // the script's own status stays (a 404 page from a file)
  const [own404] = await same('GET', q(path.join(files, 'page.txt'), '&status=404'));
  expect([own404.status, own404.body.toString()]).toEqual([404, 'text from the files directory\n']);

  // without x-sendfile-docroot (the /open/ block) the same file outside is sent
  const [open] = await same('GET', `/open${q(path.join(dir, 'secret.txt'))}`);
  expect([open.status, open.body.toString()]).toEqual([200, 'outside x-sendfile-docroot\n']);

  // the older names: X-LIGHTTPD-send-file, and X-Sendfile2 with byte ranges of files
  const [old] = await same('GET', q(path.join(files, 'page.txt'), '&h=X-LIGHTTPD-send-file'));
  expect(old.body.toString()).toBe('text from the files directory\n');
  const [two] = await same('GET', `/sendfile.php?h=X-Sendfile2&f=${encodeURIComponent(`${path.join(files, 'page.txt')} 0-3, ${path.join(files, 'page.txt')} 10-`)}`);
  expect(two.body.toString()).toBe('textthe files directory\n');
  await same('GET', `/sendfile.php?h=X-Sendfile2&f=${encodeURIComponent(`${path.join(dir, 'secret.txt')} 0-3`)}`);
}, 90_000);

peers('a FastCGI Authorizer in front of a static file and of a PHP script: allow (Variable-* into the environment) or deny by a header, as lighttpd 1.4.69', async () => {
  dir = tempDir();
  const { www } = await startBoth();

  // denied: the authorizer's answer is the response; what it saw is its environment (no CONTENT_LENGTH, SCRIPT_NAME, PATH_INFO)
  const [denied] = await same('GET', '/private/note.txt?q=1', undefined, { 'X-Token': 'wrong' });
  expect(denied.status).toBe(403);
  expect(denied.headers['x-authorizer']).toBe('no');
  const env = JSON.parse(denied.body.toString()) as Record<string, string>;
  expect(env).toMatchObject({ FCGI_ROLE: 'AUTHORIZER', REQUEST_URI: '/private/note.txt?q=1', SCRIPT_FILENAME: path.join(www, 'private/note.txt'), QUERY_STRING: 'q=1' });
  expect(env.CONTENT_LENGTH).toBeUndefined();
  expect(env.PATH_INFO).toBeUndefined();

  // allowed: the static file, as mod_staticfile sends it; nothing of the authorizer's answer
  const [file] = await same('GET', '/private/note.txt', undefined, { 'X-Token': 'let-me-in' });
  expect([file.status, file.body.toString(), file.headers['content-type']]).toEqual([200, 'a static file behind the authorizer\n', 'text/plain']);
  expect(file.headers['x-not-for-the-client']).toBeUndefined();
  await same('GET', '/private/note.txt', undefined, { 'X-Token': 'let-me-in', Range: 'bytes=2-7' });

  // allowed: the PHP script, with the authorizer's Variable-* headers in its environment and PATH_INFO split again
  const [page] = await same('GET', '/private/page.php/x/y?z=2', undefined, { 'X-Token': 'let-me-in' });
  expect(JSON.parse(page.body.toString())).toEqual({
    role: 'RESPONDER',
    auth_user: 'alice',
    role_var: 'admin, editor',
    script_name: '/private/page.php',
    path_info: '/x/y',
    request_uri: '/private/page.php/x/y?z=2',
    length: 0,
    md5: md5(Buffer.alloc(0)),
  });
  const [deniedPage] = await same('GET', '/private/page.php/x/y', undefined, {});
  expect(deniedPage.status).toBe(403);

  // a POST body waits for the authorizer, then reaches the script whole (and never reaches a denied one)
  const body = crypto.randomBytes(3 * 1024 * 1024);
  const [posted] = await same('POST', '/private/page.php', body, { 'X-Token': 'let-me-in', 'Content-Type': 'application/octet-stream' });
  expect(JSON.parse(posted.body.toString())).toMatchObject({ length: body.length, md5: md5(body), auth_user: 'alice' });
  const [postDenied] = await same('POST', '/private/page.php', Buffer.from('a=1'), { 'Content-Type': 'application/x-www-form-urlencoded' });
  expect(postDenied.status).toBe(403);

  // a 401 without a body: lighttpd's error page, WWW-Authenticate kept
  const [basic] = await same('GET', '/private/note.txt', undefined, { 'X-Token': 'basic' });
  expect([basic.status, basic.headers['www-authenticate']]).toEqual([401, 'Basic realm="test"']);

  // no authorizer outside its key; a missing file is 404 before any authorizer runs
  await same('GET', '/hello.php');
  const [absent] = await same('GET', '/private/absent.txt', undefined, { 'X-Token': 'let-me-in' });
  expect(absent.status).toBe(404);
}, 90_000);

test('"mode" and x-sendfile-docroot are checked at start: no authorizer for proxy.server, no unknown mode, docroot paths absolute', async () => {
  dir = tempDir();
  const cases: Array<[string, RegExp]> = [
    ['server.modules += ( "mod_proxy" )\nproxy.server = ( "/a/" => (( "host" => "127.0.0.1", "port" => 9, "mode" => "authorizer" )) )', /proxy\.server.*must not define any hosts with attribute "mode" = "authorizer"/],
    ['server.modules += ( "mod_fastcgi" )\nfastcgi.server = ( "/a/" => (( "socket" => "/tmp/x.sock", "mode" => "checker" )) )', /"mode" must be "responder" or "authorizer", not "checker"/],
    ['server.modules += ( "mod_fastcgi" )\nfastcgi.server = ( ".php" => (( "socket" => "/tmp/x.sock", "x-sendfile" => "enable", "x-sendfile-docroot" => ( "files" ) )) )', /x-sendfile-docroot paths must begin with '\/'; invalid: "files"/],
    ['server.modules += ( "mod_fastcgi" )\nfastcgi.server = ( "/a/" => (( "socket" => "/tmp/x.sock", "mode" => "authorizer", "docroot" => "/srv" )) )', /"docroot" with "mode" => "authorizer", which is not available/],
  ];
  for (const [conf, message] of cases) {
    const file = path.join(dir, 'refused.conf');
    fs.writeFileSync(file, `server.document-root = "${dir}"\nserver.port = 0\n${conf}\n`);
    const run = await runHttpd(['-tt', '-f', file]);
    expect([conf, run.code === 0, message.test(run.stderr + run.stdout)]).toEqual([conf, false, true]);
  }
  // the same keys as lighttpd accepts them: responder, authorizer, x-sendfile and its old name
  const file = path.join(dir, 'accepted.conf');
  fs.writeFileSync(
    file,
    `server.document-root = "${dir}"\nserver.port = 0\nserver.modules += ( "mod_fastcgi" )\n` +
      'fastcgi.server = ( "/a/" => (( "socket" => "/tmp/x.sock", "mode" => "authorizer" )), ".php" => (( "socket" => "/tmp/x.sock", "mode" => "responder", "allow-x-send-file" => "enable", "x-sendfile-docroot" => ( "/srv/files", "/srv/more/" ) )) )\n',
  );
  expect((await runHttpd(['-tt', '-f', file])).code).toBe(0);
}, 60_000);
