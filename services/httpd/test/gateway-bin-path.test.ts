// bin-path (lighttpd 1.4.69 gw_backend.c gw_spawn_connection, gw_handle_waitpid_cb,
// gw_plugin_config_free) with the real php-cgi 8.2: Debian's 15-fastcgi-php.conf as it is (paths
// moved to a temp dir) on httpd-ts and on lighttpd 1.4.69, compared on what PHP sees; the spawned
// process's socket, environment and parent; kill -9 of it restarts it; a stop leaves no php-cgi;
// max-procs 2 gives "<socket>-0" and "<socket>-1".
import fs from 'node:fs';
import path from 'node:path';
import { FASTCGI_FIXTURES, request } from './fastcgi-support';
import { startLighttpd, type RunningLighttpd } from './lighttpd-support';
import { errorLog, startConf, tempDir, until, type RunningServer } from './serve-support';

type Env = Record<string, string>;

const PHP_CGI = '/usr/bin/php-cgi';

let dir = '';
let server: RunningServer | undefined;
let lighttpd: RunningLighttpd | undefined;

afterEach(async () => {
  await server?.stop();
  await lighttpd?.stop();
  server = undefined;
  lighttpd = undefined;
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** Debian's /etc/lighttpd/conf-available/10-fastcgi.conf and 15-fastcgi-php.conf, the socket moved to `socketDir`. */
function debianFastcgiPhp(socketDir: string, maxProcs = 1): string {
  return `server.modules += ( "mod_fastcgi" )
## Start an FastCGI server for php (needs the php-cgi package)
fastcgi.server += ( ".php" => 
	((
		"bin-path" => "${PHP_CGI}",
		"socket" => "${socketDir}/php.socket",
		"max-procs" => ${maxProcs},
		"bin-environment" => ( 
			"PHP_FCGI_CHILDREN" => "4",
			"PHP_FCGI_MAX_REQUESTS" => "10000"
		),
		"bin-copy-environment" => (
			"PATH", "SHELL", "USER"
		),
		"broken-scriptfilename" => "enable"
	))
)`;
}

function docroot(): string {
  const www = path.join(dir, 'www');
  fs.mkdirSync(www);
  fs.copyFileSync(path.join(FASTCGI_FIXTURES, 'env.php'), path.join(www, 'env.php'));
  return www;
}

async function startHttpd(www: string, lines: string): Promise<RunningServer> {
  return startConf(['server.bind = "127.0.0.1"', 'server.port = 0', 'server.errorlog = "@TMP@/error.log"', `server.document-root = "${www}"`, lines, ''].join('\n'), dir);
}

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  state: string;
}

/** Every process in /proc (zombies included: this container's pid 1 may not reap orphans). */
function processes(): Proc[] {
  const out: Proc[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    out.push({ pid: Number(e), comm: stat.slice(stat.indexOf('(') + 1, close), state: fields[0] ?? '', ppid: Number(fields[1]) });
  }
  return out;
}

/** Living php-cgi processes whose parent is `ppid`. */
const phpChildren = (ppid: number): Proc[] => processes().filter((p) => p.comm === 'php-cgi' && p.ppid === ppid && p.state !== 'Z');
const alive = (pid: number): boolean => processes().some((p) => p.pid === pid && p.state !== 'Z');

function environOf(pid: number): Env {
  const env: Env = {};
  for (const kv of fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

const json = (body: Buffer): Env => JSON.parse(body.toString()) as Env;

test("Debian's 15-fastcgi-php.conf on httpd-ts: php-cgi spawned on <socket>-0 with its environment, GET, POST and PATH_INFO as lighttpd 1.4.69 answers them", async () => {
  dir = tempDir();
  const www = docroot();
  server = await startHttpd(www, debianFastcgiPhp(dir));
  const [php] = phpChildren(server.child.pid as number);
  expect(php).toBeDefined();
  // lighttpd's socket name for proc 0 of a bin-path host
  expect(fs.statSync(path.join(dir, 'php.socket-0')).isSocket()).toBe(true);
  expect(fs.existsSync(path.join(dir, 'php.socket'))).toBe(false);
  // bin-copy-environment: only those of ours, then bin-environment; nothing else of httpd-ts's
  const env = environOf((php as Proc).pid);
  expect(env).toMatchObject({ PHP_FCGI_CHILDREN: '4', PHP_FCGI_MAX_REQUESTS: '10000', PATH: process.env['PATH'] });
  expect(Object.keys(env).sort()).toEqual(['PATH', 'PHP_FCGI_CHILDREN', 'PHP_FCGI_MAX_REQUESTS', 'SHELL', 'USER'].filter((k) => k.startsWith('PHP_') || process.env[k] !== undefined).sort());
  // PHP_FCGI_CHILDREN=4: php-cgi forks its own four
  await until(() => phpChildren((php as Proc).pid).length === 4);

  const ldir = path.join(dir, 'lighttpd');
  fs.mkdirSync(ldir);
  lighttpd = await startLighttpd([`server.document-root = "${www}"`, debianFastcgiPhp(ldir)].join('\n'), ldir);
  expect(fs.statSync(path.join(ldir, 'php.socket-0')).isSocket()).toBe(true);

  const differ = new Set(['SERVER_SOFTWARE', 'SERVER_PORT', 'REMOTE_PORT', 'HTTP_HOST', 'REQUEST_TIME', 'REQUEST_TIME_FLOAT']);
  const cases: Array<[string, string, Buffer | undefined, Record<string, string>]> = [
    ['GET', '/env.php?a=1&b=%20x', undefined, { 'X-Probe': 'p1' }],
    ['POST', '/env.php', Buffer.from('a=1&b=2'), { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['GET', '/env.php/one/two?x=y', undefined, {}],
  ];
  for (const [method, target, body, headers] of cases) {
    const ours = await request(server.port, method, target, body, headers);
    const theirs = await request(lighttpd.port, method, target, body, headers);
    expect([target, ours.status]).toEqual([target, 200]);
    expect([target, theirs.status]).toEqual([target, 200]);
    const a = json(ours.body);
    const b = json(theirs.body);
    for (const k of differ) {
      delete a[k];
      delete b[k];
    }
    expect([target, a]).toEqual([target, b]);
  }
  const pi = json((await request(server.port, 'GET', '/env.php/one/two?x=y')).body);
  // broken-scriptfilename: PHP's cgi.fix_pathinfo gets SCRIPT_FILENAME with PATH_INFO and splits it
  expect(pi).toMatchObject({ SCRIPT_NAME: '/env.php', PATH_INFO: '/one/two', SCRIPT_FILENAME: path.join(www, 'env.php'), ORIG_SCRIPT_FILENAME: path.join(www, 'env.php/one/two') });
  expect(json((await request(server.port, 'POST', '/env.php', Buffer.from('x=1'), { 'Content-Type': 'text/plain' })).body)).toMatchObject({ REQUEST_METHOD: 'POST', BODY_LENGTH: '3', PHP_FCGI_CHILDREN: '4' });
}, 90_000);

test('a php-cgi killed with SIGKILL is started again on its socket and serves; a stop leaves no php-cgi and no socket', async () => {
  dir = tempDir();
  const www = docroot();
  server = await startHttpd(www, debianFastcgiPhp(dir));
  const httpd = server.child.pid as number;
  expect((await request(server.port, 'GET', '/env.php')).status).toBe(200);
  const [first] = phpChildren(httpd);
  expect(first).toBeDefined();
  const firstPid = (first as Proc).pid;
  await until(() => phpChildren(firstPid).length === 4);
  // the backend crashes: its parent and the four it forked
  const crashed = [firstPid, ...phpChildren(firstPid).map((p) => p.pid)];
  for (const pid of crashed) process.kill(pid, 'SIGKILL');
  await until(() => errorLog(dir).includes('child signalled: 9'));
  await until(() => phpChildren(httpd).some((p) => p.pid !== firstPid), 10_000);
  const [second] = phpChildren(httpd);
  expect(crashed.some(alive)).toBe(false);
  expect(fs.statSync(path.join(dir, 'php.socket-0')).isSocket()).toBe(true);
  const again = await request(server.port, 'GET', '/env.php?after=restart');
  expect(again.status).toBe(200);
  expect(json(again.body)).toMatchObject({ QUERY_STRING: 'after=restart' });

  await until(() => phpChildren((second as Proc).pid).length === 4);
  const running = [(second as Proc).pid, ...phpChildren((second as Proc).pid).map((p) => p.pid)];
  expect(await server.stop()).toBe(0);
  server = undefined;
  // kill-signal (SIGTERM) to php-cgi, which ends its children
  await until(() => !running.some(alive), 10_000);
  expect(phpChildren(httpd)).toEqual([]);
  expect(fs.existsSync(path.join(dir, 'php.socket-0'))).toBe(false);
}, 90_000);

test('max-procs 2: two php-cgi, on <socket>-0 and <socket>-1, both serving', async () => {
  dir = tempDir();
  const www = docroot();
  server = await startHttpd(www, debianFastcgiPhp(dir, 2));
  const httpd = server.child.pid as number;
  expect(phpChildren(httpd)).toHaveLength(2);
  for (const n of [0, 1]) expect(fs.statSync(path.join(dir, `php.socket-${n}`)).isSocket()).toBe(true);
  // several requests at once spread over both (the least loaded process is chosen)
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => request(server?.port as number, 'GET', `/env.php?n=${i}`)));
  expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
  const parents = phpChildren(httpd).map((p) => p.pid);
  await server.stop();
  server = undefined;
  await until(() => !parents.some(alive), 10_000);
  for (const n of [0, 1]) expect(fs.existsSync(path.join(dir, `php.socket-${n}`))).toBe(false);
}, 90_000);

test('a bin-path that cannot start stops the start with lighttpd\'s lines; bin-path under server.max-worker is refused', async () => {
  dir = tempDir();
  const www = docroot();
  await expect(startHttpd(www, debianFastcgiPhp(dir).replace(PHP_CGI, path.join(dir, 'no-such-php-cgi')))).rejects.toThrow(/did not start/);
  expect(errorLog(dir)).toMatch(/invalid "bin-path" => ".*no-such-php-cgi" \(check that file exists/);
  expect(errorLog(dir)).toMatch(/gw-backend failed to start: .*no-such-php-cgi/);
  expect(errorLog(dir)).toMatch(/\[ERROR\]: spawning gw failed\./);

  await expect(startHttpd(www, `server.max-worker = 2\n${debianFastcgiPhp(dir)}`)).rejects.toThrow(/did not start/);
  expect(errorLog(dir)).toMatch(/fastcgi\.server "bin-path" with server\.max-worker is not available in this version of httpd-ts/);
}, 90_000);
