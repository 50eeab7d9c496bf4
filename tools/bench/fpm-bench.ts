// nginx -> fpm-ts (a JavaScript "hello" handler) against nginx -> php8.2-fpm (a PHP "hello"
// page): same pm (static, same number of workers), unix sockets, kept-alive FastCGI
// connections; the FastCGI server on core 0, nginx and wrk on core 1. Also the memory (PSS) of
// each idle pool.
//
// With two cores, nginx and wrk share one, and that core runs out first for a fast FastCGI
// server: requests/s then measure nginx, not the server. So the CPU time the server's processes
// used during the run is read as well: CPU per request, and its inverse, the requests/s one core
// of that server sustains, compare the servers whichever core is the limit.
//
// A second measure takes nginx out: a FastCGI client (fastcgi-load.ts) on core 1 that costs little
// per request, so the server's core runs out first and requests/s are the server's own. It runs
// three rounds of fresh connections, since where the kernel puts the connections decides how
// many of fpm-ts's workers share the load, and that changes its cost per request.
//
// A third layout is a one-box site's: nginx and the FastCGI server share core 0, wrk has core 1.
// Both servers (each with its own nginx) are up at once and measured in alternating rounds, so
// the noise of a shared machine falls on both alike.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '@libs/testing';
import { cpuSeconds, processTree, pssKiB, startPinned, waitForHttp, type Started } from './processes';
import { takeTurns } from './take-turns';
import { runWrk, type WrkResult } from './wrk';

export const FPM_WORKERS = 4;
export const DIRECT_ROUNDS = 3;
const DIRECT_CONNECTIONS = 16;
const LOAD_CLIENT = path.join(__dirname, 'fastcgi-load.ts');

export interface FpmResult {
  readonly wrk: WrkResult | Error;
  /** CPU seconds the server's processes used during the measured run. */
  readonly serverCpuSeconds: number;
  /** Share of core 1 (nginx + wrk) in use during the run: near 1, it was the limit. */
  readonly loadCoreBusy: number;
  /** CPU seconds nginx used during the run; the rest of core 1's busy time is wrk's. */
  readonly nginxCpuSeconds: number;
  readonly idlePssKiB: number;
  readonly processes: number;
}

/** One run of the FastCGI client against a server, nginx out of the way. */
export interface DirectRound {
  readonly requestsPerSec: number;
  readonly serverCpuSeconds: number;
  /** Worker processes that did at least a tenth of the work: how the connections spread. */
  readonly busyWorkers: number;
}

/** One measured round of the shared-core layout; CPU microseconds per request of each group. */
export interface SharedCoreRound {
  readonly requestsPerSec: number;
  /** php-fpm's children, fpm-ts's workers: the processes that run the requests. */
  readonly workersUs: number;
  readonly masterUs: number;
  readonly nginxUs: number;
  /** wrk's socket errors and non-2xx answers: a few timeouts on a loaded core are noise, many are a failure. */
  readonly faults: number;
}

export type SharedCoreResults = Record<string, readonly SharedCoreRound[] | Error>;

export const SHARED_ROUNDS = 3;
const SHARED_WARMUP_SECONDS = 5;

export interface FpmServerResult {
  readonly viaNginx: FpmResult;
  readonly direct: readonly DirectRound[] | Error;
}

/** Busy share of one core between two readings of /proc/stat. */
function coreTimes(core: number): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${core} `)) ?? '';
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

function poolConf(work: string, name: string, extra: string): string {
  return `[global]
error_log = ${work}/${name}-error.log
pid = ${work}/${name}.pid
daemonize = no
[www]
user = nobody
listen = ${work}/${name}.sock
listen.mode = 0666
pm = static
pm.max_children = ${FPM_WORKERS}
${extra}`;
}

function nginxConf(work: string, name: string, port: number, socket: string, script: string): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${work}/nginx-${name}.pid;
error_log ${work}/nginx-fcgi-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${work}/body;
  proxy_temp_path ${work}/proxy;
  fastcgi_temp_path ${work}/fastcgi;
  uwsgi_temp_path ${work}/uwsgi;
  scgi_temp_path ${work}/scgi;
  upstream app { server unix:${socket}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    location / {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME ${script};
      fastcgi_keep_conn on;
      fastcgi_pass app;
    }
  }
}
`;
}

async function waitForFile(file: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a server and waits for its socket and for start-up to settle (all workers up). */
async function startSettled(start: () => Started, socket: string): Promise<Started> {
  // A socket file left by the previous run would be found before the new server listens.
  fs.rmSync(socket, { force: true });
  const server = start();
  try {
    await waitForFile(socket);
  } catch (err) {
    await server.stop();
    throw err;
  }
  await new Promise((r) => setTimeout(r, 1500));
  return server;
}

async function measure(work: string, name: string, start: () => Started, socket: string, script: string, seconds: number): Promise<FpmResult> {
  let fpm: Started | undefined;
  let nginx: Started | undefined;
  try {
    fpm = await startSettled(start, socket);
    // Idle memory: after start-up settles, before any request.
    // taskset execs the server, so the child's pid is the master's.
    const pids = processTree(fpm.child.pid ?? 0);
    const idlePssKiB = pssKiB(pids);
    const port = await freePort();
    fs.writeFileSync(path.join(work, `nginx-${name}.conf`), nginxConf(work, name, port, socket, script));
    nginx = startPinned(`nginx for ${name}`, 1, 'nginx', ['-c', path.join(work, `nginx-${name}.conf`), '-e', path.join(work, 'nginx-fcgi-error.log')]);
    await waitForHttp(port, '/');
    // Warm-up long enough for every JIT-compiling worker to reach steady state (php-fpm has none):
    // four workers sharing one core with their compiler threads take about ten seconds.
    runWrk(`http://127.0.0.1:${port}/`, { core: 1, seconds: 10, connections: 16 });
    const servers = processTree(fpm.child.pid ?? 0);
    const nginxPids = [nginx.child.pid ?? 0];
    const cpuBefore = cpuSeconds(servers);
    const nginxBefore = cpuSeconds(nginxPids);
    const coreBefore = coreTimes(1);
    const wrk = runWrk(`http://127.0.0.1:${port}/`, { core: 1, seconds, connections: 16 });
    const coreAfter = coreTimes(1);
    const serverCpuSeconds = cpuSeconds(servers) - cpuBefore;
    const nginxCpuSeconds = cpuSeconds(nginxPids) - nginxBefore;
    const loadCoreBusy = (coreAfter.busy - coreBefore.busy) / Math.max(1, coreAfter.total - coreBefore.total);
    return { wrk, serverCpuSeconds, loadCoreBusy, nginxCpuSeconds, idlePssKiB, processes: pids.length };
  } catch (err) {
    return { wrk: err as Error, serverCpuSeconds: 0, loadCoreBusy: 0, nginxCpuSeconds: 0, idlePssKiB: 0, processes: 0 };
  } finally {
    await nginx?.stop();
    await fpm?.stop();
  }
}

/**
 * Runs fastcgi-load.ts on core 1; the server's CPU time is read per process when the client's
 * measured window opens and when it closes.
 */
function directRound(socket: string, script: string, masterPid: number, seconds: number): Promise<DirectRound> {
  return new Promise((resolve, reject) => {
    const args = ['-c', '1', process.execPath, '--import', 'tsx', LOAD_CLIENT, socket, script, String(seconds), String(DIRECT_CONNECTIONS)];
    const client = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let workers: number[] = [];
    let before: number[] = [];
    let output = '';
    let errors = '';
    client.stderr.on('data', (c: Buffer) => (errors += c.toString()));
    client.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      if (workers.length === 0 && output.startsWith('measuring\n')) {
        workers = processTree(masterPid);
        before = workers.map((pid) => cpuSeconds([pid]));
      }
    });
    client.on('exit', (code) => {
      const result = /\{.*\}/.exec(output);
      if (code !== 0 || result === null) return reject(new Error(`FastCGI load client failed: ${errors.trim() || `exit ${code}`}`));
      const used = workers.map((pid, i) => cpuSeconds([pid]) - (before[i] ?? 0));
      const total = used.reduce((a, b) => a + b, 0);
      // The master (first in the tree) serves no requests.
      const busyWorkers = used.slice(1).filter((s) => s >= total / 10).length;
      const { requestsPerSec } = JSON.parse(result[0]) as { requestsPerSec: number };
      resolve({ requestsPerSec, serverCpuSeconds: total, busyWorkers });
    });
  });
}

async function measureDirect(start: () => Started, socket: string, script: string, seconds: number): Promise<readonly DirectRound[] | Error> {
  let fpm: Started | undefined;
  try {
    fpm = await startSettled(start, socket);
    const masterPid = fpm.child.pid ?? 0;
    await directRound(socket, script, masterPid, 10); // warm-up, as for nginx
    const rounds: DirectRound[] = [];
    for (let i = 0; i < DIRECT_ROUNDS; i++) rounds.push(await directRound(socket, script, masterPid, seconds));
    return rounds;
  } catch (err) {
    return err as Error;
  } finally {
    await fpm?.stop();
  }
}

interface FpmServer {
  readonly name: string;
  readonly script: string;
  start(core: number): Started;
}

/** The two servers with their hello page and handler, keyed by the label the bench prints. */
function fpmServers(work: string, fpmTs: string): Record<string, FpmServer> {
  fs.writeFileSync(path.join(work, 'hello.php'), '<?php echo "hello";\n');
  fs.writeFileSync(path.join(work, 'hello.js'), "module.exports = () => new Response('hello');\n");
  fs.writeFileSync(path.join(work, 'php-fpm.conf'), poolConf(work, 'php-fpm', ''));
  fs.writeFileSync(path.join(work, 'fpm-ts.conf'), poolConf(work, 'fpm-ts', ''));
  return {
    'php8.2-fpm': { name: 'php-fpm', script: 'hello.php', start: (core) => startPinned('php-fpm', core, '/usr/sbin/php-fpm8.2', ['-F', '-R', '-y', path.join(work, 'php-fpm.conf')]) },
    'fpm-ts': { name: 'fpm-ts', script: 'hello.js', start: (core) => startPinned('fpm-ts', core, process.execPath, [fpmTs, '-F', '-R', '-y', path.join(work, 'fpm-ts.conf')]) },
  };
}

export async function benchFpm(work: string, fpmTs: string, seconds: number): Promise<Record<string, FpmServerResult>> {
  const results: Record<string, FpmServerResult> = {};
  for (const [label, server] of Object.entries(fpmServers(work, fpmTs))) {
    const socket = path.join(work, `${server.name}.sock`);
    const script = path.join(work, server.script);
    const start = (): Started => server.start(0);
    results[label] = {
      viaNginx: await measure(work, server.name, start, socket, script, seconds),
      direct: await measureDirect(start, socket, script, seconds),
    };
  }
  return results;
}

/** A server and its nginx, both on core 0, ready for wrk on core 1. */
interface SharedCoreSite {
  readonly port: number;
  readonly fpm: Started;
  readonly nginx: Started;
  stop(): Promise<void>;
}

async function startSharedCoreSite(work: string, server: FpmServer): Promise<SharedCoreSite> {
  const name = server.name;
  const socket = path.join(work, `${name}.sock`);
  const fpm = await startSettled(() => server.start(0), socket);
  const port = await freePort();
  fs.writeFileSync(path.join(work, `nginx-${name}.conf`), nginxConf(work, name, port, socket, path.join(work, server.script)));
  const nginx = startPinned(`nginx for ${name}`, 0, 'nginx', ['-c', path.join(work, `nginx-${name}.conf`), '-e', path.join(work, 'nginx-fcgi-error.log')]);
  try {
    await waitForHttp(port, '/');
  } catch (err) {
    await nginx.stop();
    await fpm.stop();
    throw err;
  }
  return {
    port,
    fpm,
    nginx,
    async stop() {
      await nginx.stop();
      await fpm.stop();
    },
  };
}

/** One wrk run against a shared-core site, with the CPU time of each process group from /proc. */
function sharedCoreRound(site: SharedCoreSite, seconds: number): SharedCoreRound {
  const [master = 0, ...workers] = processTree(site.fpm.child.pid ?? 0);
  const nginx = [site.nginx.child.pid ?? 0];
  const before = [cpuSeconds(workers), cpuSeconds([master]), cpuSeconds(nginx)];
  const wrk = runWrk(`http://127.0.0.1:${site.port}/`, { core: 1, seconds, connections: 16 });
  const after = [cpuSeconds(workers), cpuSeconds([master]), cpuSeconds(nginx)];
  const us = (i: number): number => (((after[i] ?? 0) - (before[i] ?? 0)) * 1e6) / (wrk.requestsPerSec * seconds);
  return { requestsPerSec: wrk.requestsPerSec, workersUs: us(0), masterUs: us(1), nginxUs: us(2), faults: wrk.errors + wrk.non2xx };
}

/**
 * The shared-core layout: every server and its nginx on core 0, wrk on core 1. All sites run at
 * once (an idle one costs nothing), warm up, then take turns for SHARED_ROUNDS rounds.
 */
export async function benchFpmSharedCore(work: string, fpmTs: string, seconds: number): Promise<SharedCoreResults> {
  return takeTurns<SharedCoreSite, SharedCoreRound>({
    start: Object.entries(fpmServers(work, fpmTs)).map(([label, server]) => [label, () => startSharedCoreSite(work, server)] as const),
    warmUp: (site) => runWrk(`http://127.0.0.1:${site.port}/`, { core: 1, seconds: SHARED_WARMUP_SECONDS, connections: 16 }),
    measure: (site) => sharedCoreRound(site, seconds),
    rounds: SHARED_ROUNDS,
  });
}
