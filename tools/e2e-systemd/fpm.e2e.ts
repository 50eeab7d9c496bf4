// fpm-ts under a real systemd (PID 1 of a systemd-nspawn container) with the shipped units from
// deploy/systemd, changed only by drop-ins: socket activation by pool name, Type=notify with php-fpm's
// STATUS= line, reload under load, a broken config failing `systemctl reload`, the watchdog, STOPPING=1,
// error_log = syslog reaching journald through /dev/log.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '@libs/testing';
import { SystemdContainer } from '../systemd-container';

const BOOT_TIMEOUT_MS = 5 * 60_000;
const BUNDLE = path.join(workspaceRoot, 'services/fpm/dist/fpm-ts.js');
const UNITS = path.join(workspaceRoot, 'deploy/systemd');
const FIXTURES = path.join(__dirname, 'fixtures', 'fpm');
// The service runs with PrivateTmp=yes, which hides a checkout under /tmp: inside the container
// the repo is also mounted where an installed package would live, and handlers go to /srv.
const INSTALLED = '/opt/fpm-ts';
const HANDLERS = '/srv/fpm-ts';
const CONF = '/etc/fpm-ts/fpm-ts.conf';
const PID_FILE = '/run/fpm-ts/fpm-ts.pid';
const SERVICE = 'fpm-ts.service';
const SOCKET = 'fpm-ts.socket';

interface CgiResult {
  status: number;
  body: string;
  code: number | null;
}

describe('fpm-ts under a real systemd', () => {
  let container: SystemdContainer;
  let socketPath: string;
  const clients = new Set<ChildProcess>();

  /** One FastCGI request from the host with Debian's cgi-fcgi, through the socket unit's listening socket. */
  const request = (script: string, query = ''): Promise<CgiResult> =>
    new Promise((resolve, reject) => {
      const env = {
        REQUEST_METHOD: 'GET',
        SCRIPT_FILENAME: script.startsWith('/status') ? script : path.join(HANDLERS, script),
        SCRIPT_NAME: script.startsWith('/') ? script : `/${script}`,
        REQUEST_URI: `/${script}${query ? `?${query}` : ''}`,
        QUERY_STRING: query,
      };
      const child = spawn('cgi-fcgi', ['-bind', '-connect', socketPath], { env, stdio: ['ignore', 'pipe', 'ignore'] });
      clients.add(child);
      const chunks: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => chunks.push(c));
      child.once('error', reject);
      child.once('close', (code) => {
        clients.delete(child);
        const out = Buffer.concat(chunks).toString('utf8');
        const split = out.indexOf('\r\n\r\n');
        const status = Number(/^Status: (\d+)/i.exec(out)?.[1] ?? (split >= 0 ? 200 : 0));
        resolve({ status, body: split >= 0 ? out.slice(split + 4) : '', code });
      });
    });

  const mainPid = async (): Promise<number> => Number(await container.property(SERVICE, 'MainPID'));

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`nx build fpm\` first (the tools e2e target depends on it)`);
    container = await SystemdContainer.boot({
      bind: [`${workspaceRoot}:${INSTALLED}`],
      log: (line) => process.stderr.write(`[systemd-container] ${line}\n`),
    });
    socketPath = path.join(container.sharedDir, 'fpm-ts-www.sock');
    // Installed as a package would: the command on PATH, the config in /etc, the units verbatim.
    await container.run(['ln', '-sf', path.join(INSTALLED, path.relative(workspaceRoot, BUNDLE)), '/usr/local/bin/fpm-ts']);
    for (const handler of ['pid.js', 'spin.js']) await container.writeFile(path.join(HANDLERS, handler), readFileSync(path.join(FIXTURES, handler)));
    await container.writeFile(CONF, readFileSync(path.join(FIXTURES, 'fpm-ts.conf')));
    await container.writeFile(`/etc/systemd/system/${SERVICE}`, readFileSync(path.join(UNITS, SERVICE)));
    await container.writeFile(`/etc/systemd/system/${SOCKET}`, readFileSync(path.join(UNITS, SOCKET)));
    // Drop-ins, so the shipped files are what is tested: the socket where the host can reach it,
    // a watchdog short enough to wait for, and no core file from the watchdog's SIGABRT.
    await container.writeFile(`/etc/systemd/system/${SOCKET}.d/e2e.conf`, `[Socket]\nListenStream=\nListenStream=${socketPath}\nSocketMode=0666\n`);
    await container.writeFile(`/etc/systemd/system/${SERVICE}.d/e2e.conf`, '[Service]\nWatchdogSec=2s\nLimitCORE=0\n');
    await container.run(['systemctl', 'daemon-reload']);
  }, BOOT_TIMEOUT_MS);

  afterEach(() => {
    for (const child of clients) child.kill('SIGKILL');
  });

  afterAll(async () => {
    await container?.shutdown();
  });

  it('accepts the shipped units without a warning (systemd-analyze verify)', async () => {
    // --man=no: the minimal rootfs has no man pages for Documentation= to point at.
    const verify = await container.exec(['systemd-analyze', 'verify', '--man=no', SOCKET, SERVICE]);
    expect({ code: verify.code, stderr: verify.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('stays inactive behind fpm-ts.socket until the first request, then is active with MainPID = pid file', async () => {
    expect(await container.systemctl('start', SOCKET)).toMatchObject({ code: 0 });
    expect(await container.property(SOCKET, 'ActiveState')).toBe('active');
    expect(await container.property(SERVICE, 'ActiveState')).toBe('inactive');

    const first = await request('pid.js');
    expect(first).toMatchObject({ status: 200, code: 0 });
    await container.waitForState(SERVICE, 'active', 30_000);
    const pid = await mainPid();
    expect(pid).toBeGreaterThan(1);
    expect(Number(await container.readFile(PID_FILE))).toBe(pid);
    // The activated fd named "www" became pool [www]'s socket: the configured listen path was never bound.
    expect((await container.exec(['test', '-e', '/run/fpm-ts/www.sock'])).code).toBe(1);
    // The worker that answered is a child of the main process, running as the pool's user.
    const stat = await container.run(['ps', '-o', 'ppid=,user=', '-p', first.body]);
    expect(stat.trim().split(/\s+/)).toEqual([String(pid), 'www-data']);
    await container.waitForJournal(SERVICE, /NOTICE: ready to handle connections/);
  });

  it("shows php-fpm's STATUS line in systemctl status", async () => {
    const line = /^Processes active: \d+, idle: \d+, Requests: \d+, slow: 0, Traffic: [\d.]+req\/sec$/;
    await container.waitFor('StatusText to be the php-fpm status line', 10_000, async () => {
      const text = await container.property(SERVICE, 'StatusText');
      return { done: line.test(text), last: text };
    });
    const status = await container.systemctl('status', '--no-pager', SERVICE);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Status: "Processes active: \d+, idle: \d+, Requests: \d+, slow: 0, Traffic: [\d.]+req\/sec"/);
  });

  it('reloads under a steady loop of requests without losing one', async () => {
    const before = await mainPid();
    const oldWorkers = new Set((await Promise.all([request('pid.js'), request('pid.js')])).map((r) => r.body));
    const results: CgiResult[] = [];
    let newSeen = 0;
    let running = true;
    const loop = async (): Promise<void> => {
      while (running) {
        const res = await request('pid.js');
        results.push(res);
        if (res.status === 200 && !oldWorkers.has(res.body)) newSeen++;
      }
    };
    const loops = [loop(), loop(), loop()];
    await container.waitFor('requests flowing', 10_000, async () => ({ done: results.length >= 10, last: String(results.length) }));
    const reload = await container.systemctl('reload', SERVICE);
    await container.waitFor('the new generation of workers to answer', 20_000, async () => ({ done: newSeen >= 10, last: `${newSeen} answers from new workers` }));
    running = false;
    await Promise.all(loops);

    expect(reload).toMatchObject({ code: 0 });
    const failed = results.filter((r) => r.status !== 200 || r.code !== 0 || !/^\d+$/.test(r.body));
    expect(failed).toEqual([]);
    expect(results.length).toBeGreaterThan(20);
    expect(await mainPid()).toBe(before);
    // READY=1 follows once every new worker reported ready, which can be just after the first of
    // them answered; systemd then leaves "reloading"
    await container.waitFor('ActiveState active again after the reload', 10_000, async () => {
      const state = await container.property(SERVICE, 'ActiveState');
      return { done: state === 'active', last: state };
    });
  });

  it('fails systemctl reload visibly on a broken config while the old pools keep serving', async () => {
    const before = await mainPid();
    const good = await container.readFile(CONF);
    await container.writeFile(CONF, readFileSync(path.join(FIXTURES, 'fpm-ts-broken.conf')));
    try {
      const reload = await container.systemctl('reload', SERVICE);
      expect(reload.code).not.toBe(0);
      const journal = await container.waitForJournal(SERVICE, /invalid process manager/);
      expect(journal).toMatch(/ERROR: \[\/etc\/fpm-ts\/fpm-ts\.conf:\d+\] unable to parse value for entry 'pm'/);
      expect(await container.property(SERVICE, 'ActiveState')).toBe('active');
      expect(await mainPid()).toBe(before);
      for (let i = 0; i < 5; i++) expect(await request('pid.js')).toMatchObject({ status: 200, code: 0 });
    } finally {
      await container.writeFile(CONF, good);
    }
  });

  it('is killed by the watchdog when a worker wedges, and Restart= brings it back', async () => {
    const before = await mainPid();
    const wedged = request('spin.js');
    const journal = await container.waitForJournal(SERVICE, /Watchdog timeout/, 20_000);
    expect(journal).toMatch(new RegExp(`Killing process ${before} \\(.*\\) with signal SIGABRT`));
    await container.waitFor('a new fpm-ts main process to be active', 30_000, async () => {
      const [state, pid] = [await container.property(SERVICE, 'ActiveState'), await mainPid()];
      return { done: state === 'active' && pid !== before && pid !== 0, last: `${state}, MainPID ${pid}` };
    });
    expect((await wedged).status).not.toBe(200);
    expect(await container.property(SERVICE, 'NRestarts')).toBe('1');
    const after = await mainPid();
    expect(Number(await container.readFile(PID_FILE))).toBe(after);
    expect(await request('pid.js')).toMatchObject({ status: 200, code: 0 });
  });

  it('sends STOPPING=1 on systemctl stop and exits cleanly', async () => {
    const pid = await mainPid();
    await container.run(['systemd-analyze', 'log-level', 'debug']);
    expect(await container.systemctl('stop', SERVICE)).toMatchObject({ code: 0 });
    await container.run(['systemd-analyze', 'log-level', 'info']);

    expect(await container.property(SERVICE, 'ActiveState')).toBe('inactive');
    expect(await container.property(SERVICE, 'Result')).toBe('success');
    expect(await container.property(SERVICE, 'ExecMainStatus')).toBe('0');
    await container.waitForJournal(SERVICE, new RegExp(`Got notification message from PID ${pid} \\(STOPPING=1`));
    await expect(container.readFile(PID_FILE)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await container.systemctl('stop', SOCKET)).toMatchObject({ code: 0 });
  });

  it('logs to journald through /dev/log with error_log = syslog: ident, pid, facility and priority', async () => {
    const good = await container.readFile(CONF);
    await container.writeFile(CONF, good.replace(/^error_log = .*$/m, 'error_log = syslog\nsyslog.ident = fpm-ts-e2e\nsyslog.facility = local5'));
    try {
      expect(await container.systemctl('start', SOCKET, SERVICE)).toMatchObject({ code: 0 });
      await container.waitForState(SERVICE, 'active', 30_000);
      const pid = await mainPid();
      type Entry = Record<string, string>;
      let running: Entry | undefined;
      await container.waitFor('the syslog line "fpm is running" in the journal', 10_000, async () => {
        const out = (await container.exec(['journalctl', '-t', 'fpm-ts-e2e', '-o', 'json', '--no-pager'])).stdout;
        const entries = out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Entry);
        running = entries.find((e) => e['MESSAGE'] === `[NOTICE] fpm is running, pid ${pid}`);
        return { done: running !== undefined, last: out.split('\n').slice(-3).join('\n') };
      });
      // journald parsed "<PRI>time ident[pid]: ": local5 is 21, LOG_NOTICE 5.
      expect(running).toMatchObject({ SYSLOG_IDENTIFIER: 'fpm-ts-e2e', SYSLOG_PID: String(pid), SYSLOG_FACILITY: '21', PRIORITY: '5', _PID: String(pid) });
      // Nothing went to stderr instead (that would be the fallback's warning).
      expect(await container.journal(SERVICE)).not.toMatch(/syslog socket .* is unavailable/);
    } finally {
      await container.systemctl('stop', SERVICE, SOCKET);
      await container.writeFile(CONF, good);
    }
  });
});
