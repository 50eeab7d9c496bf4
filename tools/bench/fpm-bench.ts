// nginx -> fpm-ts (a JavaScript "hello" handler) against nginx -> php8.2-fpm (a PHP "hello"
// page): same pm (static, same number of workers), unix sockets, kept-alive FastCGI
// connections; the FastCGI server on core 0, nginx and wrk on core 1. Also the memory (PSS) of
// each idle pool.
//
// With two cores, nginx and wrk share one, and that core runs out first for a fast FastCGI
// server: requests/s then measure nginx, not the server. So the CPU time the server's processes
// used during the run is read as well: CPU per request, and its inverse, the requests/s one core
// of that server sustains, compare the servers whichever core is the limit.
import fs from 'node:fs';
import path from 'node:path';
import { cpuSeconds, freePort, processTree, pssKiB, startPinned, waitForHttp, type Started } from './processes';
import { runWrk, type WrkResult } from './wrk';

export const FPM_WORKERS = 4;

export interface FpmResult {
  readonly wrk: WrkResult | Error;
  /** CPU seconds the server's processes used during the measured run. */
  readonly serverCpuSeconds: number;
  /** Share of core 1 (nginx + wrk) in use during the run: near 1, it was the limit. */
  readonly loadCoreBusy: number;
  readonly idlePssKiB: number;
  readonly processes: number;
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

function nginxConf(work: string, port: number, socket: string, script: string): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${work}/nginx-fcgi.pid;
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

async function measure(work: string, name: string, start: () => Started, socket: string, script: string, seconds: number): Promise<FpmResult> {
  const fpm = start();
  let nginx: Started | undefined;
  try {
    await waitForFile(socket);
    // Idle memory: after start-up settles, before any request.
    await new Promise((r) => setTimeout(r, 1500));
    // taskset execs the server, so the child's pid is the master's.
    const pids = processTree(fpm.child.pid ?? 0);
    const idlePssKiB = pssKiB(pids);
    const port = await freePort();
    fs.writeFileSync(path.join(work, `nginx-${name}.conf`), nginxConf(work, port, socket, script));
    nginx = startPinned(`nginx for ${name}`, 1, 'nginx', ['-c', path.join(work, `nginx-${name}.conf`), '-e', path.join(work, 'nginx-fcgi-error.log')]);
    await waitForHttp(port, '/');
    // Warm-up long enough for every JIT-compiling worker to reach steady state (php-fpm has none):
    // four workers sharing one core with their compiler threads take about ten seconds.
    runWrk(`http://127.0.0.1:${port}/`, { core: 1, seconds: 10, connections: 16 });
    const servers = processTree(fpm.child.pid ?? 0);
    const cpuBefore = cpuSeconds(servers);
    const coreBefore = coreTimes(1);
    const wrk = runWrk(`http://127.0.0.1:${port}/`, { core: 1, seconds, connections: 16 });
    const coreAfter = coreTimes(1);
    const serverCpuSeconds = cpuSeconds(servers) - cpuBefore;
    const loadCoreBusy = (coreAfter.busy - coreBefore.busy) / Math.max(1, coreAfter.total - coreBefore.total);
    return { wrk, serverCpuSeconds, loadCoreBusy, idlePssKiB, processes: pids.length };
  } catch (err) {
    return { wrk: err as Error, serverCpuSeconds: 0, loadCoreBusy: 0, idlePssKiB: 0, processes: 0 };
  } finally {
    await nginx?.stop();
    await fpm.stop();
  }
}

export async function benchFpm(work: string, fpmTs: string, seconds: number): Promise<Record<string, FpmResult>> {
  fs.writeFileSync(path.join(work, 'hello.php'), '<?php echo "hello";\n');
  fs.writeFileSync(path.join(work, 'hello.js'), "module.exports = () => new Response('hello');\n");
  fs.writeFileSync(path.join(work, 'php-fpm.conf'), poolConf(work, 'php-fpm', ''));
  fs.writeFileSync(path.join(work, 'fpm-ts.conf'), poolConf(work, 'fpm-ts', ''));
  return {
    'php8.2-fpm': await measure(work, 'php-fpm', () => startPinned('php-fpm', 0, '/usr/sbin/php-fpm8.2', ['-F', '-R', '-y', path.join(work, 'php-fpm.conf')]), path.join(work, 'php-fpm.sock'), path.join(work, 'hello.php'), seconds),
    'fpm-ts': await measure(work, 'fpm-ts', () => startPinned('fpm-ts', 0, process.execPath, [fpmTs, '-F', '-R', '-y', path.join(work, 'fpm-ts.conf')]), path.join(work, 'fpm-ts.sock'), path.join(work, 'hello.js'), seconds),
  };
}
