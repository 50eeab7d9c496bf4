// httpd-ts's watcher (server.max-worker = 2, lighttpd 1.4.69 server.c) under a real systemd (PID 1
// of a systemd-nspawn container) with the shipped units from deploy/systemd, changed only by
// drop-ins: socket activation starts the watcher and two workers, "activating" until READY=1,
// STATUS= lines, `systemctl reload` under keep-alive load without a lost request, a broken config
// refused while the old workers serve, a killed worker and a wedged worker replaced, a wedged
// watcher restarted by the watchdog, and a graceful `systemctl stop` (KillMode=mixed).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '@libs/testing';
import { SystemdContainer } from '../systemd-container';
import {
  BUNDLE,
  CONF,
  curlRequest,
  DOCROOT,
  FIXTURES,
  installedPath,
  installHttpd,
  INSTALLED,
  ORIGIN,
  PID_FILE,
  SERVICE,
  SOCKET,
  SYSUSERS_INSTALLED,
  TMPFILES_INSTALLED,
  waitForErrorLog,
  type Response,
} from './httpd-support';

const BOOT_TIMEOUT_MS = 5 * 60_000;
const WORKERS = 2;
// The fixture module (/pid, /wedge, a slow workerInit) comes from -m, given in the test's drop-in.
const MODULES = installedPath(path.join(FIXTURES, 'modules'));
const LOAD_SCRIPT = installedPath(path.join(FIXTURES, 'keepalive-load.js'));
const SLOW_START_FLAG = '/etc/httpd-ts/slow-start';
const LOAD_STOP_FILE = '/run/keepalive-load.stop';
const DROP_IN = `/etc/systemd/system/${SERVICE}.d/e2e.conf`;
const WATCHDOG_DROP_IN = `/etc/systemd/system/${SERVICE}.d/watchdog.conf`;
// The shipped command lines with -m, so that server.modules may name mod_e2e (ExecStartPre and
// ExecReload check the config with the same modules); no core file from the watchdog's SIGABRT.
const HTTPD = `/usr/local/bin/httpd-ts -m ${MODULES} -f ${CONF}`;
const E2E_DROP_IN = `[Service]
ExecStartPre=
ExecStartPre=${HTTPD} -tt
ExecStart=
ExecStart=${HTTPD} -D
ExecReload=
ExecReload=${HTTPD} -tt
ExecReload=/bin/kill -USR1 $MAINPID
LimitCORE=0
`;

interface LoadResult {
  ok: number;
  failed: number;
  refused: number;
  closes: number;
  servers: Record<string, number>;
  errors: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('httpd-ts watcher (server.max-worker = 2) under a real systemd', () => {
  let container: SystemdContainer;
  let watcherConf: string;

  const get = (urlPath: string, ...args: string[]): Promise<Response> => curlRequest(container, `${ORIGIN}${urlPath}`, ...args);
  const mainPid = async (): Promise<number> => Number(await container.property(SERVICE, 'MainPID'));

  /** The watcher's children (its workers, of every generation still alive). */
  const children = async (pid: number): Promise<number[]> => {
    const ps = await container.exec(['ps', '--ppid', String(pid), '-o', 'pid=']);
    return ps.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '').map(Number).sort((a, b) => a - b);
  };

  /** Every process of the service's control group (from ps: the container's /sys/fs/cgroup is not the host's view). */
  const cgroupProcs = async (): Promise<number[]> => {
    const ps = await container.run(['ps', '-e', '-o', 'pid=,cgroup=']);
    return ps
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([, cgroup]) => cgroup?.endsWith(`/system.slice/${SERVICE}`))
      .map(([pid]) => Number(pid))
      .sort((a, b) => a - b);
  };

  /** Polls until the watcher has exactly `WORKERS` children and `accept` likes them; returns them. */
  const waitForWorkers = async (what: string, timeoutMs: number, accept: (pids: number[]) => boolean = () => true): Promise<number[]> => {
    const pid = await mainPid();
    let pids: number[] = [];
    await container.waitFor(what, timeoutMs, async () => {
      pids = await children(pid);
      return { done: pids.length === WORKERS && accept(pids), last: `children of ${pid}: ${pids.join(' ')}` };
    });
    return pids;
  };

  /** A keep-alive load inside the container (fixtures/httpd/keepalive-load.js); stop() returns its tally. */
  const startLoad = async (connections: number, urlPath: string): Promise<{ stop: () => Promise<LoadResult> }> => {
    await container.run(['rm', '-f', LOAD_STOP_FILE]);
    const running = container.exec(['node', LOAD_SCRIPT, '80', String(connections), urlPath, LOAD_STOP_FILE], { timeoutMs: 120_000 });
    // let every connection get going before the test disturbs the server
    await sleep(1_000);
    return {
      stop: async () => {
        await container.writeFile(LOAD_STOP_FILE, '');
        const out = await running;
        if (out.code !== 0) throw new Error(`the load script failed (${out.code}): ${out.stderr}`);
        return JSON.parse(out.stdout) as LoadResult;
      },
    };
  };

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`nx build httpd\` first (the tools e2e target depends on it)`);
    container = await SystemdContainer.boot({
      bind: [`${workspaceRoot}:${INSTALLED}`],
      log: (line) => process.stderr.write(`[systemd-container] ${line}\n`),
    });
    watcherConf = readFileSync(path.join(FIXTURES, 'httpd-ts-watcher.conf'), 'utf8');
    await installHttpd(container, watcherConf);
    await container.writeFile(DROP_IN, E2E_DROP_IN);
    // as a package's postinst does: the www-data account, the log and runtime directories
    await container.run(['systemd-sysusers', SYSUSERS_INSTALLED]);
    await container.run(['systemd-tmpfiles', '--create', TMPFILES_INSTALLED]);
    await container.run(['systemctl', 'daemon-reload']);
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    await container?.shutdown();
  });

  it('is started by the first request on httpd-ts.socket with 2 workers, and stays "activating" until READY=1', async () => {
    // --man=no: the minimal rootfs has no man pages for Documentation= to point at.
    const verify = await container.exec(['systemd-analyze', 'verify', '--man=no', SOCKET, SERVICE]);
    expect({ code: verify.code, stderr: verify.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await container.systemctl('start', SOCKET)).toMatchObject({ code: 0 });
    expect(await container.property(SERVICE, 'ActiveState')).toBe('inactive');

    // Each worker's init takes 3 s: long enough to see the service while its workers start.
    await container.writeFile(SLOW_START_FLAG, '');
    try {
      let answered = false;
      const first = get('/pid').finally(() => (answered = true));
      const seen: string[] = [];
      let workersWhileActivating: number[] = [];
      while (!answered) {
        const state = await container.property(SERVICE, 'ActiveState');
        if (seen.at(-1) !== state) seen.push(state);
        const pid = await mainPid();
        if (state === 'activating' && pid > 0) {
          const now = await children(pid);
          if (now.length > workersWhileActivating.length) workersWhileActivating = now;
        }
      }
      const res = await first;
      expect({ code: res.code, stderr: res.stderr, status: res.status }).toEqual({ code: 0, stderr: '', status: 200 });
      await container.waitForState(SERVICE, 'active', 10_000);
      // both workers were running while systemd still waited for READY=1
      expect(seen).toContain('activating');
      expect(seen).not.toContain('failed');
      expect(workersWhileActivating).toHaveLength(WORKERS);

      const watcher = await mainPid();
      expect(Number(await container.readFile(PID_FILE))).toBe(watcher);
      const workers = await children(watcher);
      expect(workers).toHaveLength(WORKERS);
      expect(workers).toContain(Number(res.body));
      // the watcher alone keeps root (it holds the sockets and signals its workers); workers are www-data
      expect((await container.run(['ps', '-o', 'user=', '-p', String(watcher)])).trim()).toBe('root');
      for (const w of workers) expect((await container.run(['ps', '-o', 'user=', '-p', String(w)])).trim()).toBe('www-data');
      expect(await cgroupProcs()).toEqual([watcher, ...workers].sort((a, b) => a - b));

      // lighttpd's order: each worker started, then "server started" (when READY=1 goes out)
      const log = await waitForErrorLog(container, /server started \(httpd-ts\/[^)]+\), 2 workers/);
      const startedAt = log.indexOf('server started');
      for (const w of workers) {
        expect(log).toContain(`child ${w} started`);
        expect(log.indexOf(`child ${w} started`)).toBeLessThan(startedAt);
      }
      expect(await container.property(SERVICE, 'StatusText')).toMatch(/^serving on .* with 2 workers$/);
    } finally {
      await container.run(['rm', '-f', SLOW_START_FLAG]);
    }
    // STATUS= every 5 s with the workers' counters
    await container.waitFor('a STATUS= line with the workers\' counters', 12_000, async () => {
      const status = await container.property(SERVICE, 'StatusText');
      return { done: /^2 workers, \d+ connections, [\d.]+ requests\/s$/.test(status), last: status };
    });
  });

  it('loses no request and refuses no connection under keep-alive load across systemctl reload; the new config serves', async () => {
    const watcher = await mainPid();
    const before = await waitForWorkers('two workers', 5_000);
    const load = await startLoad(8, '/style.css');
    let result: LoadResult;
    try {
      await container.writeFile(CONF, watcherConf.replace('server.tag = "httpd-ts-e2e-1"', 'server.tag = "httpd-ts-e2e-2"'));
      const reload = await container.systemctl('reload', SERVICE);
      expect({ code: reload.code, stderr: reload.stderr }).toEqual({ code: 0, stderr: '' });
      // the old generation leaves once it answered each kept-alive client once more
      await waitForWorkers('a new generation of two workers', 15_000, (pids) => pids.every((p) => !before.includes(p)));
      await container.waitForState(SERVICE, 'active', 10_000);
      await sleep(500);
    } finally {
      result = await load.stop();
    }
    expect({ failed: result.failed, refused: result.refused, errors: result.errors }).toEqual({ failed: 0, refused: 0, errors: [] });
    expect(result.ok).toBeGreaterThan(100);
    // both configurations answered, the old one's last answers with "Connection: close"
    expect(Object.keys(result.servers).sort()).toEqual(['httpd-ts-e2e-1', 'httpd-ts-e2e-2']);
    expect(result.closes).toBeGreaterThan(0);
    expect(await mainPid()).toBe(watcher);
    expect((await get('/style.css')).headers['server']).toBe('httpd-ts-e2e-2');
    await waitForErrorLog(container, /graceful restart done, generation 2/);
  });

  it('fails systemctl reload visibly on a broken config; the running workers keep serving the old one', async () => {
    const watcher = await mainPid();
    const workers = await waitForWorkers('two workers', 5_000);
    const good = await container.readFile(CONF);
    await container.writeFile(CONF, readFileSync(path.join(FIXTURES, 'httpd-ts-broken.conf')));
    try {
      const reload = await container.systemctl('reload', SERVICE);
      expect(reload.code).not.toBe(0);
      expect(reload.stderr).toMatch(/Job for httpd-ts\.service failed/);
      await container.waitForJournal(SERVICE, /syntax error in \/etc\/httpd-ts\/httpd-ts\.conf:\d+: .*\(HTTPD_ERR_CONFIG_SYNTAX\)/);
      expect(await container.property(SERVICE, 'ActiveState')).toBe('active');
      for (let i = 0; i < 3; i++) expect(await get('/style.css')).toMatchObject({ status: 200, headers: { server: 'httpd-ts-e2e-2' } });

      // SIGUSR1 without the unit's check (kill by hand): the watcher refuses the config itself,
      // says so in STATUS= and the error log, and returns to READY with the same workers.
      await container.run(['kill', '-USR1', String(watcher)]);
      await container.waitFor('STATUS= to report the failed restart', 10_000, async () => {
        const status = await container.property(SERVICE, 'StatusText');
        return { done: status.startsWith('graceful restart failed, still serving the previous configuration: '), last: status };
      });
      await waitForErrorLog(container, /graceful restart failed, still serving the previous configuration: .*httpd-ts\.conf/);
      await container.waitForState(SERVICE, 'active', 5_000);
      expect(await get('/style.css')).toMatchObject({ status: 200, headers: { server: 'httpd-ts-e2e-2' } });
      expect({ pid: await mainPid(), workers: await children(watcher) }).toEqual({ pid: watcher, workers });
    } finally {
      await container.writeFile(CONF, good);
    }
  });

  it('replaces a worker killed with SIGKILL within 2 s; only requests in flight on it may fail', async () => {
    const watcher = await mainPid();
    const [victim, survivor] = await waitForWorkers('two workers', 5_000);
    const load = await startLoad(4, '/style.css');
    let refilledMs = -1;
    let result: LoadResult;
    try {
      await container.run(['kill', '-9', String(victim)]);
      const killedAt = Date.now();
      await waitForWorkers('the killed worker\'s slot to be refilled', 5_000, (pids) => !pids.includes(victim as number));
      refilledMs = Date.now() - killedAt;
      await sleep(500);
    } finally {
      result = await load.stop();
    }
    expect(refilledMs).toBeLessThan(2_000);
    expect(await children(watcher)).toContain(survivor);
    await waitForErrorLog(container, new RegExp(`child ${victim} exited on signal 9 \\(SIGKILL\\)`));
    // at most the one request in flight per connection on the killed worker
    expect(result.failed).toBeLessThanOrEqual(4);
    expect(result.refused).toBe(0);
    expect(result.ok).toBeGreaterThan(100);
    expect({ pid: await mainPid(), state: await container.property(SERVICE, 'ActiveState'), restarts: await container.property(SERVICE, 'NRestarts') }).toEqual({
      pid: watcher,
      state: 'active',
      restarts: '0',
    });
  });

  it('replaces a worker wedged in an endless loop (heartbeat timeout) without a watchdog restart; the other worker serves meanwhile', async () => {
    // A short watchdog (a ping every 2 s): one ping withheld while the wedged worker waits for its
    // replacement would certainly end the service, so this proves none is withheld.
    await container.writeFile(WATCHDOG_DROP_IN, '[Service]\nWatchdogSec=4s\n');
    await container.run(['systemctl', 'daemon-reload']);
    try {
      expect(await container.systemctl('restart', SERVICE)).toMatchObject({ code: 0 });
      const watcher = await mainPid();
      const before = await waitForWorkers('two workers', 5_000);
      // the worker that takes this request never answers again
      expect(await get('/wedge', '--max-time', '1')).toMatchObject({ code: 28 });
      const wedgedAt = Date.now();
      for (let i = 0; i < 3; i++) expect(await get('/style.css', '--max-time', '2')).toMatchObject({ status: 200 });
      const after = await waitForWorkers('the wedged worker to be replaced', 20_000, (pids) => pids.filter((p) => before.includes(p)).length === 1);
      const replacedMs = Date.now() - wedgedAt;
      const wedged = before.find((p) => !after.includes(p));
      const log = await waitForErrorLog(container, new RegExp(`child ${wedged} exited on signal 9 \\(SIGKILL\\)`));
      expect(log).toMatch(new RegExp(`child ${wedged} has not answered a heartbeat for \\d+ ms, killing it`));
      expect(replacedMs).toBeLessThan(15_000);
      expect(await get('/style.css')).toMatchObject({ status: 200 });
      // a withheld ping would have ended the service 4 s after the last one, before the replacement;
      // one more interval to be sure: a worker was replaced, not the service
      await sleep(4_000);
      expect({ pid: await mainPid(), state: await container.property(SERVICE, 'ActiveState'), restarts: await container.property(SERVICE, 'NRestarts') }).toEqual({
        pid: watcher,
        state: 'active',
        restarts: '0',
      });
      expect((await container.journal(SERVICE)).split('\n').filter((l) => /Watchdog timeout/.test(l))).toEqual([]);
    } finally {
      await container.run(['rm', '-f', WATCHDOG_DROP_IN]);
      await container.run(['systemctl', 'daemon-reload']);
      await container.run(['systemctl', 'reset-failed', SERVICE]);
      await container.run(['systemctl', 'restart', SERVICE]);
    }
  });

  it('is restarted by the watchdog when the watcher itself wedges (SIGSTOP), with a new watcher and 2 new workers', async () => {
    await container.writeFile(WATCHDOG_DROP_IN, '[Service]\nWatchdogSec=3s\n');
    await container.run(['systemctl', 'daemon-reload']);
    try {
      expect(await container.systemctl('restart', SERVICE)).toMatchObject({ code: 0 });
      expect(await container.property(SERVICE, 'WatchdogUSec')).toBe('3s');
      const old = await mainPid();
      const oldWorkers = await waitForWorkers('two workers', 5_000);
      await container.run(['kill', '-STOP', String(old)]);
      await container.waitForJournal(SERVICE, new RegExp(`Watchdog timeout \\(limit 3s\\)!`), 15_000);
      await container.waitFor('a new watcher', 30_000, async () => {
        const [pid, state] = [await mainPid(), await container.property(SERVICE, 'ActiveState')];
        return { done: pid > 0 && pid !== old && state === 'active', last: `MainPID ${pid} ${state}` };
      });
      const watcher = await mainPid();
      const workers = await waitForWorkers('two workers of the new watcher', 10_000);
      expect(workers.filter((p) => oldWorkers.includes(p))).toEqual([]);
      // nothing of the old watcher is left in the service's control group
      await container.waitFor('only the new watcher and its workers in the cgroup', 10_000, async () => {
        const procs = await cgroupProcs();
        const want = [watcher, ...workers].sort((a, b) => a - b);
        return { done: procs.join(' ') === want.join(' '), last: procs.join(' ') };
      });
      expect(await container.property(SERVICE, 'NRestarts')).toBe('1');
      expect(await get('/style.css')).toMatchObject({ status: 200 });
    } finally {
      await container.run(['rm', '-f', WATCHDOG_DROP_IN]);
      await container.run(['systemctl', 'daemon-reload']);
      await container.run(['systemctl', 'reset-failed', SERVICE]);
      await container.run(['systemctl', 'restart', SERVICE]);
    }
  });

  it('stops gracefully on systemctl stop: the download in flight completes, no SIGKILL, every process gone, pid file removed', async () => {
    const size = 20 * 1024 * 1024;
    await container.run(['truncate', '-s', String(size), path.join(DOCROOT, 'big.bin')]);
    await waitForWorkers('two workers', 5_000);
    const killsBefore = (await container.journal(SERVICE)).split('\n').filter((l) => /SIGKILL/.test(l)).length;
    // 20 MiB at 5 MiB/s: the download is still running when the stop signal arrives.
    const download = container.curl(`${ORIGIN}/big.bin`, '-o', '/dev/null', '-w', '%{http_code} %{size_download}', '--limit-rate', '5M');
    await container.waitFor('the download to be in flight', 5_000, async () => {
      const ss = await container.run(['ss', '-Htn', 'state', 'established', '( sport = :80 )']);
      return { done: ss.trim() !== '', last: ss };
    });
    const stop = await container.systemctl('stop', SERVICE);

    expect(stop).toMatchObject({ code: 0 });
    expect(await download).toMatchObject({ code: 0, stdout: `200 ${size}` });
    expect(await container.property(SERVICE, 'ActiveState')).toBe('inactive');
    expect(await container.property(SERVICE, 'Result')).toBe('success');
    expect(await container.property(SERVICE, 'ExecMainStatus')).toBe('0');
    expect(await cgroupProcs()).toEqual([]);
    const kills = (await container.journal(SERVICE)).split('\n').filter((l) => /SIGKILL/.test(l));
    expect(kills.slice(killsBefore)).toEqual([]);
    await waitForErrorLog(container, new RegExp(`graceful shutdown started \\(2 workers\\)[^]*server stopped\\n$`));
    await expect(container.readFile(PID_FILE)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await container.systemctl('stop', SOCKET)).toMatchObject({ code: 0 });
  });
});
