// The gateway statistics on mod_status's statistics page (lighttpd 1.4.69 gw_backend.c
// gw_status_init_host / gw_status_init_proc / plugin_stats_inc, mod_status.c
// mod_status_handle_server_statistics): httpd-ts and lighttpd 1.4.69 on the same config (mod_fastcgi
// in front of php-fpm 8.2 with a second, unnamed backend; mod_fastcgi, mod_scgi and mod_proxy keys
// whose backends refuse) must print the same page before any request and after the same requests.
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '@libs/testing';
import { request, startPhpFpm, type FastcgiPeer } from './fastcgi-support';
import { startLighttpd, type RunningLighttpd } from './lighttpd-support';
import { startConf, tempDir, type RunningServer } from './serve-support';

let dir = '';
let php: FastcgiPeer | undefined;
let server: RunningServer | undefined;
let lighttpd: RunningLighttpd | undefined;

afterEach(async () => {
  await server?.stop();
  await lighttpd?.stop();
  await php?.stop();
  server = undefined;
  lighttpd = undefined;
  php = undefined;
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});

const page = async (port: number): Promise<string> => {
  const got = await request(port, 'GET', '/server-statistics');
  expect(got.status).toBe(200);
  return got.body.toString();
};

test('the statistics page shows the same gw.backend.* counters, gw.active-requests and <module>.requests as lighttpd 1.4.69', async () => {
  dir = tempDir();
  const www = path.join(dir, 'www');
  fs.mkdirSync(www);
  fs.writeFileSync(path.join(www, 'a.php'), '<?php echo "hi";\n');
  fs.writeFileSync(path.join(www, 'slow.php'), '<?php usleep(800000); echo "slow";\n');
  php = await startPhpFpm(dir, 1);
  const [fcgiDown, scgiDown, proxyDown] = [await freePort(), await freePort(), await freePort()];
  const lines = [
    'server.modules += ( "mod_status", "mod_fastcgi", "mod_scgi", "mod_proxy" )',
    `server.document-root = "${www}"`,
    'status.statistics-url = "/server-statistics"',
    `fastcgi.server = ( ".php" => ( "php-local" => ( "socket" => "${php.socket}" ), ( "socket" => "${path.join(dir, 'nobody.sock')}" ) ),`,
    `                   "/x/" => ( "h" => ( "host" => "127.0.0.1", "port" => ${fcgiDown}, "check-local" => "disable" ) ) )`,
    `scgi.server = ( "/s/" => ( "s1" => ( "host" => "127.0.0.1", "port" => ${scgiDown}, "check-local" => "disable" ) ) )`,
    `proxy.server = ( "/p/" => ( "p1" => ( "host" => "127.0.0.1", "port" => ${proxyDown} ) ) )`,
  ].join('\n');
  server = await startConf(['server.bind = "127.0.0.1"', 'server.port = 0', 'server.errorlog = "@TMP@/error.log"', lines, ''].join('\n'), dir);
  const ldir = path.join(dir, 'lighttpd');
  fs.mkdirSync(ldir);
  lighttpd = await startLighttpd(lines, ldir);

  // every backend is listed from the start, at zero
  const atStart = await page(server.port);
  expect(atStart).toBe(await page(lighttpd.port));
  expect(atStart).toContain('gw.backend.php-local.0.connected: 0\n');
  expect(atStart).toContain('gw.backend..0.died: 0\n');

  for (const port of [server.port, lighttpd.port]) {
    for (let i = 0; i < 3; i++) expect((await request(port, 'GET', '/a.php')).status).toBe(200);
    for (const target of ['/x/y', '/s/y', '/p/y']) expect((await request(port, 'GET', target)).status).toBe(503);
  }
  const after = await page(server.port);
  expect(after).toBe(await page(lighttpd.port));
  const stats = new Map(after.trimEnd().split('\n').map((l) => l.split(': ') as [string, string]));
  expect(stats.get('fastcgi.requests')).toBe('3');
  expect(stats.get('gw.backend.php-local.0.connected')).toBe('3');
  expect(stats.get('gw.backend.php-local.load')).toBe('0');
  expect(stats.get('gw.active-requests')).toBe('0');
  for (const id of ['h', 's1', 'p1']) expect([id, stats.get(`gw.backend.${id}.0.died`)]).toEqual([id, '1']);
  // a request in progress: assigned to its backend, with one connection open there
  const during = async (port: number): Promise<string> => {
    const slow = request(port, 'GET', '/slow.php');
    await new Promise((r) => setTimeout(r, 300));
    const text = await page(port);
    expect((await slow).body.toString()).toBe('slow');
    return text;
  };
  const busy = await during(server.port);
  expect(busy).toBe(await during(lighttpd.port));
  expect(busy).toMatch(/^gw\.backend\.php-local\.load: 1$/m);
  expect(busy).toMatch(/^gw\.backend\.php-local\.0\.load: 1$/m);
  expect(busy).toMatch(/^gw\.active-requests: 1$/m);
  // no request reached an SCGI or HTTP backend
  expect(stats.has('scgi.requests')).toBe(false);
  expect(stats.has('proxy.requests')).toBe(false);
}, 60_000);
