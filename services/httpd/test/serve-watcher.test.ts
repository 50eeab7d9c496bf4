// server.max-worker = 2: the watcher (lighttpd 1.4.69 server_main_setup_workers) keeps two workers
// on its listening socket, replaces one that dies or wedges, restarts gracefully under keep-alive
// load without a failed request, keeps serving on a broken configuration, recycles workers, stops
// gracefully or at once, and keeps serving other clients while 500 slowloris connections trickle.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startLoad } from './load-client';
import { errorLog, startBundle, tempDir, until, type RunningServer } from './serve-support';

const MODULES = path.join(__dirname, 'fixtures', 'modules');

let dir: string;
let server: RunningServer | null = null;

beforeEach(() => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs'));
  fs.writeFileSync(path.join(dir, 'htdocs', 'a.txt'), 'a\n');
});

afterEach(async () => {
  if (server !== null) {
    const pids = workerPids(server);
    await server.stop('SIGKILL');
    // workers of a killed watcher see their channel close and leave; make sure of it
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  server = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

const conf = (extra = ''): string => `server.document-root = "@ROOT@/htdocs"
server.bind = "127.0.0.1"
server.port = 0
server.errorlog = "@ROOT@/error.log"
server.pid-file = "@ROOT@/httpd.pid"
server.max-worker = 2
server.modules += ( "mod_wedge" )
${extra}
`;

/** The watcher's workers: its children running httpd-ts. */
function workerPids(s: RunningServer): number[] {
  const pid = s.child.pid ?? 0;
  let children: string;
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    return [];
  }
  return children
    .trim()
    .split(/\s+/)
    .filter((p) => p !== '')
    .map(Number)
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('httpd-ts');
      } catch {
        return false;
      }
    });
}

async function get(port: number, urlPath: string): Promise<{ status: number; body: string; server: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { headers: { connection: 'close' } });
  return { status: res.status, body: await res.text(), server: res.headers.get('server') ?? '' };
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

async function startWatcher(extra = ''): Promise<RunningServer> {
  const s = await startBundle(conf(extra), dir, ['-m', MODULES]);
  await until(() => workerPids(s).length === 2);
  return s;
}

it('starts two workers that serve on the watcher\'s socket, and READY comes after both', async () => {
  server = await startWatcher();
  const workers = workerPids(server);
  expect(workers).toHaveLength(2);
  const log = errorLog(dir);
  // "server started" (and READY=1) follows both workers' start
  const startedAt = log.indexOf('server started');
  for (const pid of workers) expect(log.indexOf(`child ${pid} started`)).toBeLessThan(startedAt);
  expect(log).toMatch(/server started \(httpd-ts\/[^)]+\), 2 workers/);
  const seen = new Set<number>();
  for (let i = 0; i < 30; i++) seen.add(Number((await get(server.port, '/pid')).body));
  // every answer comes from a worker, none from the watcher
  for (const pid of seen) expect(workers).toContain(pid);
  expect(fs.readFileSync(path.join(dir, 'httpd.pid'), 'utf8').trim()).toBe(String(server.child.pid));
});

it('replaces a worker killed with SIGKILL within a second; requests on the other one go on', async () => {
  server = await startWatcher();
  const [victim, survivor] = workerPids(server);
  const load = startLoad(server.port, 4);
  await new Promise((r) => setTimeout(r, 300));
  process.kill(victim as number, 'SIGKILL');
  const killedAt = Date.now();
  await until(() => {
    const now = workerPids(server as RunningServer);
    return now.length === 2 && !now.includes(victim as number);
  }, 3000);
  const refilledMs = Date.now() - killedAt;
  await new Promise((r) => setTimeout(r, 500));
  const result = await load.stop();
  expect(refilledMs).toBeLessThan(1000);
  expect(workerPids(server)).toContain(survivor);
  expect(errorLog(dir)).toContain(`child ${victim} exited on signal 9 (SIGKILL)`);
  // only what was in flight on the killed worker may fail: at most one request per connection
  expect(result.failed).toBeLessThanOrEqual(4);
  expect(result.refused).toBe(0);
  expect(result.ok).toBeGreaterThan(100);
});

it('restarts gracefully under keep-alive load without a failed request or a refused connection', async () => {
  server = await startWatcher('server.tag = "first"');
  const before = workerPids(server);
  const load = startLoad(server.port, 8);
  await new Promise((r) => setTimeout(r, 500));
  fs.writeFileSync(path.join(dir, 'httpd.conf'), conf('server.tag = "second"').replaceAll('@ROOT@', dir));
  server.child.kill('SIGUSR1');
  await until(() => errorLog(dir).includes('graceful restart done'), 15000);
  // the old generation is gone once it answered its kept-alive clients
  await until(() => workerPids(server as RunningServer).every((p) => !before.includes(p)), 15000);
  await new Promise((r) => setTimeout(r, 500));
  const result = await load.stop();
  expect(result.errors).toEqual([]);
  expect(result.failed).toBe(0);
  expect(result.refused).toBe(0);
  expect(result.servers.get('first')).toBeGreaterThan(0);
  expect(result.servers.get('second')).toBeGreaterThan(0);
  // every kept-alive connection of the old workers ended with an answer carrying "Connection: close"
  expect(result.closes).toBeGreaterThanOrEqual(1);
  expect(workerPids(server)).toHaveLength(2);
  expect(server.child.exitCode).toBeNull();
});

it('keeps the old workers serving when the new configuration is broken, and says why', async () => {
  server = await startWatcher('server.tag = "first"');
  const before = workerPids(server);
  fs.writeFileSync(path.join(dir, 'httpd.conf'), `${conf('server.tag = "second"').replaceAll('@ROOT@', dir)}server.port = \n`);
  server.child.kill('SIGUSR1');
  await until(() => errorLog(dir).includes('graceful restart failed, still serving the previous configuration'));
  expect(errorLog(dir)).toMatch(/graceful restart failed, still serving the previous configuration: .*httpd\.conf:\d+/);
  expect((await get(server.port, '/a.txt')).server).toBe('first');
  expect(workerPids(server).sort()).toEqual(before.sort());
  // a configuration the workers refuse (an unknown module) is caught by the watcher too
  fs.writeFileSync(path.join(dir, 'httpd.conf'), conf('server.modules += ( "mod_nonexistent" )').replaceAll('@ROOT@', dir));
  server.child.kill('SIGUSR1');
  await until(() => (errorLog(dir).match(/graceful restart failed/g) ?? []).length === 2);
  expect((await get(server.port, '/a.txt')).server).toBe('first');
});

it('replaces a worker wedged in an endless loop once it misses its heartbeats', async () => {
  server = await startWatcher();
  const before = workerPids(server);
  // the request that wedges a worker is never answered
  const wedging = net.connect(server.port, '127.0.0.1');
  wedging.on('error', () => undefined);
  wedging.write('GET /wedge HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => /has not answered a heartbeat/.test(errorLog(dir)), 20000);
  await until(() => {
    const now = workerPids(server as RunningServer);
    return now.length === 2 && before.some((p) => !now.includes(p));
  }, 5000);
  wedging.destroy();
  // the other worker served all along, and the replacement serves too
  for (let i = 0; i < 10; i++) expect((await get(server.port, '/a.txt')).status).toBe(200);
});

it('recycles a worker after server.max-worker-requests without dropping a request', async () => {
  server = await startWatcher('server.max-worker-requests = 50');
  const first = workerPids(server);
  const load = startLoad(server.port, 4);
  await until(() => workerPids(server as RunningServer).some((p) => !first.includes(p)) && /worker recycling/.test(errorLog(dir)), 15000);
  await new Promise((r) => setTimeout(r, 1500));
  const result = await load.stop();
  expect(result.errors).toEqual([]);
  expect(result.failed).toBe(0);
  expect(result.refused).toBe(0);
  expect(errorLog(dir)).toMatch(/worker recycling: \d+ requests served \(server\.max-worker-requests = 50\)/);
  // successors still starting and predecessors still finishing settle to two workers
  await until(() => workerPids(server as RunningServer).length === 2, 10000);
});

it('stops gracefully on SIGINT: pid file gone at once, a download in progress finishes, every process exits', async () => {
  fs.writeFileSync(path.join(dir, 'htdocs', 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 'x'));
  server = await startWatcher();
  const workers = workerPids(server);
  const download = net.connect(server.port, '127.0.0.1');
  let received = 0;
  const ended = new Promise<void>((resolve) => download.on('end', () => resolve()));
  download.on('data', (d: Buffer) => {
    received += d.length;
    if (received === d.length) download.pause();
  });
  download.write('GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await until(() => received > 0);
  const exited = new Promise<number | null>((resolve) => server?.child.once('exit', (code) => resolve(code)));
  server.child.kill('SIGINT');
  await until(() => !fs.existsSync(path.join(dir, 'httpd.pid')));
  // no new connections once stopping
  await until(() => errorLog(dir).includes('graceful shutdown started'));
  download.resume();
  await ended;
  expect(received).toBeGreaterThan(8 * 1024 * 1024);
  expect(await exited).toBe(0);
  for (const pid of workers) expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
  server = null;
});

it('stops at once on SIGTERM, workers included', async () => {
  server = await startWatcher();
  const workers = workerPids(server);
  const exited = new Promise<number | null>((resolve) => server?.child.once('exit', (code) => resolve(code)));
  server.child.kill('SIGTERM');
  expect(await exited).toBe(0);
  await until(() => workers.every((pid) => !fs.existsSync(`/proc/${pid}`)), 3000);
  expect(fs.existsSync(path.join(dir, 'httpd.pid'))).toBe(false);
  server = null;
});

it('reopens the error log in the watcher and in every worker on SIGHUP', async () => {
  server = await startWatcher();
  fs.renameSync(path.join(dir, 'error.log'), path.join(dir, 'error.log.1'));
  server.child.kill('SIGHUP');
  await new Promise((r) => setTimeout(r, 300));
  // a line from the watcher (a worker's exit) and one from each worker (their graceful stop)
  const [victim] = workerPids(server);
  process.kill(victim as number, 'SIGKILL');
  await until(() => errorLog(dir).includes(`child ${victim} exited`));
  server.child.kill('SIGINT');
  // the watcher's own line and the surviving worker's, both in the new file
  await until(() => (errorLog(dir).match(/server stopped/g) ?? []).length >= 2, 10000);
  expect(errorLog(dir)).toMatch(/graceful shutdown started \(\d+ connections\)/);
  expect(fs.readFileSync(path.join(dir, 'error.log.1'), 'utf8')).not.toContain('exited');
  server = null;
});

it('keeps serving other clients while 500 slowloris connections trickle their headers, with bounded memory', async () => {
  server = await startWatcher();
  const workers = workerPids(server);
  const rssBefore = workers.reduce((n, p) => n + rssKb(p), 0);
  const slow: net.Socket[] = [];
  for (let i = 0; i < 500; i++) {
    const s = net.connect(server.port, '127.0.0.1');
    s.on('error', () => undefined);
    s.write('GET / HTTP/1.1\r\nHost: x\r\n');
    slow.push(s);
  }
  const trickle = setInterval(() => {
    for (const s of slow) if (!s.destroyed) s.write('X-a: b\r\n');
  }, 500);
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const started = Date.now();
    for (let i = 0; i < 20; i++) expect((await get(server.port, '/a.txt')).status).toBe(200);
    const perRequestMs = (Date.now() - started) / 20;
    const rssAfter = workerPids(server).reduce((n, p) => n + rssKb(p), 0);
    process.stdout.write(`slowloris: 500 connections, other clients ${perRequestMs.toFixed(1)} ms/request, workers' RSS ${rssBefore} kB -> ${rssAfter} kB\n`);
    expect(perRequestMs).toBeLessThan(200);
    expect(rssAfter - rssBefore).toBeLessThan(64 * 1024);
  } finally {
    clearInterval(trickle);
    for (const s of slow) s.destroy();
  }
});

it('runs one process with -i, as lighttpd, saying that it disables server.max-worker', async () => {
  server = await startBundle(conf(), dir, ['-m', MODULES, '-i', '30']);
  expect(errorLog(dir)).toContain('server idle time limit command line option disables server.max-worker config file option.');
  expect(workerPids(server)).toEqual([]);
  expect((await get(server.port, '/pid')).body).toBe(String(server.child.pid));
});

it('drops privileges in every worker to server.username; the watcher keeps root to bind and re-read on restart', async () => {
  if (process.getuid?.() !== 0) throw new Error('this test needs root, as the service it checks is started as root');
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(path.join(dir, 'htdocs'), 0o755);
  fs.chmodSync(path.join(dir, 'htdocs', 'a.txt'), 0o644);
  server = await startWatcher('server.username = "nobody"\nserver.groupname = "nogroup"');
  const uid = (pid: number): string => /^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
  const nobody = /^nobody:[^:]*:(\d+):/m.exec(fs.readFileSync('/etc/passwd', 'utf8'))?.[1];
  await until(() => workerPids(server as RunningServer).every((p) => uid(p) === nobody));
  expect(uid(server.child.pid ?? 0)).toBe('0');
  expect((await get(server.port, '/a.txt')).status).toBe(200);
  // after a log rotation the watcher (root) creates the new file for its workers (nobody) to reopen
  fs.renameSync(path.join(dir, 'error.log'), path.join(dir, 'error.log.1'));
  server.child.kill('SIGHUP');
  await until(() => fs.existsSync(path.join(dir, 'error.log')));
  await new Promise((r) => setTimeout(r, 300));
  server.child.kill('SIGINT');
  await until(() => (errorLog(dir).match(/graceful shutdown started \(\d+ connections\)/g) ?? []).length === 2, 10000);
  expect(fs.readFileSync(path.join(dir, 'error.log.1'), 'utf8')).not.toContain('reopening the error log failed');
  server = null;
});

it('fails the start, naming the reason, when the workers cannot start', async () => {
  const s = startBundle(conf('server.modules += ( "mod_failinit" )'), dir, ['-m', MODULES]);
  await expect(s).rejects.toThrow(/did not start/);
  expect(errorLog(dir)).toContain('Initialization of plugins failed. Going down.');
  expect(errorLog(dir)).toMatch(/child \d+ exited with code 255/);
  expect(errorLog(dir)).not.toContain('server started');
});

it('stops the start when server.username does not exist, before any worker starts', async () => {
  if (process.getuid?.() !== 0) throw new Error('this test needs root: only root looks server.username up');
  const s = startBundle(conf('server.username = "no-such-user-here"'), dir, ['-m', MODULES]);
  await expect(s).rejects.toThrow(/did not start/);
  expect(errorLog(dir)).toContain("can't find username no-such-user-here");
  expect(errorLog(dir)).not.toContain('child');
});
