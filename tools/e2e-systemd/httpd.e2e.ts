// httpd-ts under a real systemd (PID 1 of a systemd-nspawn container) with the shipped units from
// deploy/systemd, changed only by drop-ins: lighttpd's socket activation on port 80, Type=notify,
// PIDFile=, static files, reload (broken and good config), SIGHUP, server.username, the watchdog,
// the graceful SIGINT stop, and lighttpd's rule for the global socket under socket activation.
// One process here (no server.max-worker); the watcher with its workers is httpd-watcher.e2e.ts.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '@libs/testing';
import { SystemdContainer } from '../systemd-container';
import {
  BUNDLE,
  CONF,
  curlRequest,
  DOCROOT,
  ERROR_LOG,
  FIXTURES,
  installHttpd,
  INSTALLED,
  ORIGIN,
  PID_FILE,
  SERVICE,
  SOCKET,
  SYSUSERS_INSTALLED,
  TMPFILES_INSTALLED,
  waitForErrorLog as waitForErrorLogIn,
  type Response,
} from './httpd-support';

const BOOT_TIMEOUT_MS = 5 * 60_000;

describe('httpd-ts under a real systemd', () => {
  let container: SystemdContainer;

  const request = (url: string, ...args: string[]): Promise<Response> => curlRequest(container, url, ...args);
  const get = (urlPath: string, ...args: string[]): Promise<Response> => request(`${ORIGIN}${urlPath}`, ...args);

  const mainPid = async (): Promise<number> => Number(await container.property(SERVICE, 'MainPID'));

  const waitForErrorLog = async (pattern: RegExp): Promise<void> => {
    await waitForErrorLogIn(container, pattern);
  };

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`nx build httpd\` first (the tools e2e target depends on it)`);
    container = await SystemdContainer.boot({
      bind: [`${workspaceRoot}:${INSTALLED}`],
      log: (line) => process.stderr.write(`[systemd-container] ${line}\n`),
    });
    // Installed as a package would: the command on PATH, the config in /etc, the units verbatim.
    await installHttpd(container, readFileSync(path.join(FIXTURES, 'httpd-ts.conf'), 'utf8'));
    // The one lasting drop-in: no core file when the watchdog's SIGABRT ends the service.
    await container.writeFile(`/etc/systemd/system/${SERVICE}.d/e2e.conf`, '[Service]\nLimitCORE=0\n');
    await container.run(['systemctl', 'daemon-reload']);
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    await container?.shutdown();
  });

  it('accepts the shipped units without a warning (systemd-analyze verify) and creates the sysusers and tmpfiles entries', async () => {
    // --man=no: the minimal rootfs has no man pages for Documentation= to point at.
    const verify = await container.exec(['systemd-analyze', 'verify', '--man=no', SOCKET, SERVICE]);
    expect({ code: verify.code, stderr: verify.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await container.exec(['systemd-sysusers', SYSUSERS_INSTALLED])).toMatchObject({ code: 0, stderr: '' });
    expect((await container.run(['id', '-un', 'www-data'])).trim()).toBe('www-data');
    expect(await container.exec(['systemd-tmpfiles', '--create', TMPFILES_INSTALLED])).toMatchObject({ code: 0, stderr: '' });
    const dirs = await container.run(['stat', '-c', '%n %a %U:%G', '/run/httpd-ts', '/var/log/httpd-ts', '/var/cache/httpd-ts', '/var/cache/httpd-ts/uploads']);
    expect(dirs.trim().split('\n')).toEqual([
      '/run/httpd-ts 755 root:root',
      '/var/log/httpd-ts 750 www-data:www-data',
      '/var/cache/httpd-ts 750 www-data:www-data',
      '/var/cache/httpd-ts/uploads 750 www-data:www-data',
    ]);
  });

  it('stays inactive behind httpd-ts.socket until the first request, then is active with MainPID = pid file', async () => {
    expect(await container.systemctl('start', SOCKET)).toMatchObject({ code: 0 });
    expect(await container.property(SOCKET, 'ActiveState')).toBe('active');
    expect(await container.property(SERVICE, 'ActiveState')).toBe('inactive');

    const first = await get('/');
    expect({ code: first.code, stderr: first.stderr, status: first.status }).toEqual({ code: 0, stderr: '', status: 200 });
    expect(first.body).toBe(readFileSync(path.join(FIXTURES, 'htdocs', 'index.html'), 'utf8'));
    expect(first.headers['content-type']).toBe('text/html');
    await container.waitForState(SERVICE, 'active', 30_000);
    const pid = await mainPid();
    expect(pid).toBeGreaterThan(1);
    expect(Number(await container.readFile(PID_FILE))).toBe(pid);
    // READY=1 came with the addresses it serves: both inherited fds, nothing bound by httpd-ts itself.
    expect((await container.property(SERVICE, 'StatusText')).replace(/^serving on /, '').split(', ').sort()).toEqual(['0.0.0.0:80', '[::]:80']);
    await waitForErrorLog(/server started \(httpd-ts\//);
    // [::]:80 matches no configured socket and is served with the global config.
    expect(await request('http://[::1]/style.css')).toMatchObject({ status: 200, body: 'body { color: #333; }\n' });
  });

  it('serves static files with Content-Type, ETag and 304 on If-None-Match, and a directory listing', async () => {
    const css = await get('/style.css');
    expect(css).toMatchObject({ status: 200, body: 'body { color: #333; }\n' });
    expect(css.headers['content-type']).toBe('text/css');
    const etag = css.headers['etag'] ?? '';
    expect(etag).toMatch(/^"\d+"$/);
    expect(css.headers['last-modified']).toMatch(/ GMT$/);

    const again = await get('/style.css', '-H', `If-None-Match: ${etag}`);
    expect(again).toMatchObject({ status: 304, body: '' });
    expect(again.headers['etag']).toBe(etag);

    // A changed file gets a new ETag (once the 1-second stat cache entry is gone); the old one no longer matches.
    await container.writeFile(path.join(DOCROOT, 'style.css'), 'body { color: #000; }\n');
    try {
      let changed = css;
      await container.waitFor('a new ETag for the changed file', 5_000, async () => {
        changed = await get('/style.css', '-H', `If-None-Match: ${etag}`);
        return { done: changed.status === 200, last: `${changed.status} ${changed.headers['etag']}` };
      });
      expect(changed.body).toBe('body { color: #000; }\n');
      expect(changed.headers['etag']).toMatch(/^"\d+"$/);
      expect(changed.headers['etag']).not.toBe(etag);
    } finally {
      await container.writeFile(path.join(DOCROOT, 'style.css'), readFileSync(path.join(FIXTURES, 'htdocs', 'style.css')));
      await container.waitFor('the restored file to be served', 5_000, async () => {
        const res = await get('/style.css');
        return { done: res.body === 'body { color: #333; }\n', last: res.body };
      });
    }

    const listing = await get('/files/');
    expect(listing.status).toBe(200);
    expect(listing.headers['content-type']).toMatch(/^text\/html/);
    expect(listing.body).toContain('one.txt');
    expect(listing.body).toContain('two.txt');
    expect(await get('/files/two.txt')).toMatchObject({ status: 200, body: 'two\n', headers: { 'content-type': 'text/plain; charset=utf-8' } });
    expect((await get('/missing.html')).status).toBe(404);
  });

  it('fails systemctl reload visibly on a broken config while the running server keeps serving', async () => {
    const before = await mainPid();
    const good = await container.readFile(CONF);
    await container.writeFile(CONF, readFileSync(path.join(FIXTURES, 'httpd-ts-broken.conf')));
    try {
      const reload = await container.systemctl('reload', SERVICE);
      expect(reload.code).not.toBe(0);
      expect(reload.stderr).toMatch(/Job for httpd-ts\.service failed/);
      await container.waitForJournal(SERVICE, /syntax error in \/etc\/httpd-ts\/httpd-ts\.conf:\d+: .*\(HTTPD_ERR_CONFIG_SYNTAX\)/);
      expect(await container.property(SERVICE, 'ActiveState')).toBe('active');
      expect(await mainPid()).toBe(before);
      for (let i = 0; i < 3; i++) expect(await get('/style.css')).toMatchObject({ status: 200, body: 'body { color: #333; }\n' });
    } finally {
      await container.writeFile(CONF, good);
    }
  });

  it('applies a changed config on systemctl reload (lighttpd SIGUSR1 graceful restart)', async () => {
    const before = await mainPid();
    const good = await container.readFile(CONF);
    await container.writeFile(CONF, good.replace('".css" => "text/css"', '".css" => "text/css; charset=utf-8"'));
    try {
      expect(await container.systemctl('reload', SERVICE)).toMatchObject({ code: 0 });
      await container.waitFor('the reloaded mimetype.assign to answer', 5_000, async () => {
        const res = await get('/style.css');
        return { done: res.headers['content-type'] === 'text/css; charset=utf-8', last: `Content-Type ${res.headers['content-type']}` };
      });
      expect(await container.property(SERVICE, 'ActiveState')).toBe('active');
      expect(await mainPid()).toBe(before);
    } finally {
      await container.writeFile(CONF, good);
    }
  });

  it('reopens the error log on SIGHUP (logrotate) and keeps serving', async () => {
    const before = await mainPid();
    await container.run(['mv', ERROR_LOG, `${ERROR_LOG}.1`]);
    expect(await container.systemctl('kill', '-s', 'SIGHUP', SERVICE)).toMatchObject({ code: 0 });
    await container.waitFor(`${ERROR_LOG} to be created again`, 5_000, async () => {
      const test = await container.exec(['test', '-f', ERROR_LOG]);
      return { done: test.code === 0, last: 'missing' };
    });
    expect(await get('/files/one.txt')).toMatchObject({ status: 200, body: 'one\n' });
    expect(await mainPid()).toBe(before);
    expect(await container.property(SERVICE, 'ActiveState')).toBe('active');
  });

  it('drops root for server.username/server.groupname after taking its sockets (the unit keeps CAP_SETUID/CAP_SETGID for it)', async () => {
    const good = await container.readFile(CONF);
    await container.writeFile(CONF, `${good}server.username = "www-data"\nserver.groupname = "www-data"\n`);
    try {
      expect(await container.systemctl('restart', SERVICE)).toMatchObject({ code: 0 });
      const pid = await mainPid();
      expect((await container.run(['ps', '-o', 'user=,group=', '-p', String(pid)])).trim().split(/\s+/)).toEqual(['www-data', 'www-data']);
      expect(await get('/style.css')).toMatchObject({ status: 200 });
    } finally {
      await container.writeFile(CONF, good);
      await container.run(['systemctl', 'reset-failed', SERVICE]);
      await container.run(['systemctl', 'restart', SERVICE]);
    }
  });

  it('pings the watchdog: with WatchdogSec=2s it stays up, unrestarted, for 6 s', async () => {
    const dropIn = `/etc/systemd/system/${SERVICE}.d/watchdog.conf`;
    await container.writeFile(dropIn, '[Service]\nWatchdogSec=2s\n');
    await container.run(['systemctl', 'daemon-reload']);
    try {
      expect(await container.systemctl('restart', SERVICE)).toMatchObject({ code: 0 });
      const pid = await mainPid();
      expect(await container.property(SERVICE, 'WatchdogUSec')).toBe('2s');
      await new Promise((r) => setTimeout(r, 6_000));
      const kills = (await container.journal(SERVICE)).split('\n').filter((line) => /Watchdog timeout|with signal SIGABRT/.test(line));
      expect(kills).toEqual([]);
      expect({ pid: await mainPid(), restarts: await container.property(SERVICE, 'NRestarts') }).toEqual({ pid, restarts: '0' });
      expect(await get('/style.css')).toMatchObject({ status: 200 });
    } finally {
      await container.run(['rm', '-f', dropIn]);
      await container.run(['systemctl', 'daemon-reload']);
      await container.run(['systemctl', 'reset-failed', SERVICE]);
      await container.run(['systemctl', 'restart', SERVICE]);
    }
  });

  it('stops gracefully on systemctl stop (SIGINT): the download in flight completes, STOPPING=1, Result=success, pid file removed', async () => {
    const size = 20 * 1024 * 1024;
    await container.run(['truncate', '-s', String(size), path.join(DOCROOT, 'big.bin')]);
    const pid = await mainPid();
    expect(pid).toBeGreaterThan(1);
    // 20 MiB at 5 MiB/s: the download is still running when the stop signal arrives.
    const download = container.curl(`${ORIGIN}/big.bin`, '-o', '/dev/null', '-w', '%{http_code} %{size_download}', '--limit-rate', '5M');
    await container.waitFor('the download to be in flight', 5_000, async () => {
      const ss = await container.run(['ss', '-Htn', 'state', 'established', '( sport = :80 )']);
      return { done: ss.trim() !== '', last: ss };
    });
    await container.run(['systemd-analyze', 'log-level', 'debug']);
    const stop = await container.systemctl('stop', SERVICE);
    await container.run(['systemd-analyze', 'log-level', 'info']);

    expect(stop).toMatchObject({ code: 0 });
    expect(await download).toMatchObject({ code: 0, stdout: `200 ${size}` });
    expect(await container.property(SERVICE, 'ActiveState')).toBe('inactive');
    expect(await container.property(SERVICE, 'Result')).toBe('success');
    expect(await container.property(SERVICE, 'ExecMainStatus')).toBe('0');
    await container.waitForJournal(SERVICE, new RegExp(`Got notification message from PID ${pid} \\(STOPPING=1`));
    await waitForErrorLog(/graceful shutdown started \(1 connections\)[^]*server stopped\n$/);
    await expect(container.readFile(PID_FILE)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await container.systemctl('stop', SOCKET)).toMatchObject({ code: 0 });
  });

  it('listens only on the activated socket when server.bind is unset (lighttpd skips the global server.port socket)', async () => {
    // The host reaches a unix socket in sharedDir; the config still says server.port = 80 and no server.bind.
    const socketPath = path.join(container.sharedDir, 'httpd-ts.sock');
    const dropIn = `/etc/systemd/system/${SOCKET}.d/e2e.conf`;
    await container.writeFile(dropIn, `[Socket]\nListenStream=\nListenStream=${socketPath}\nSocketMode=0666\n`);
    await container.run(['systemctl', 'daemon-reload']);
    try {
      expect(await container.systemctl('start', SOCKET)).toMatchObject({ code: 0 });
      expect(await container.httpGet(socketPath, '/files/one.txt', 30_000)).toMatchObject({ status: 200, body: 'one\n' });
      await container.waitForState(SERVICE, 'active', 30_000);
      expect(await container.property(SERVICE, 'StatusText')).toBe(`serving on ${socketPath}`);
      // lighttpd 1.4.69 binds server.bind/server.port only when no socket was inherited or server.bind is set.
      expect(await container.run(['ss', '-Htln'])).toBe('');
    } finally {
      await container.run(['rm', '-f', dropIn]);
      await container.run(['systemctl', 'stop', SERVICE, SOCKET]);
      await container.run(['systemctl', 'daemon-reload']);
    }
  });
});
