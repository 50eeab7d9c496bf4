// A one-box site, front and FastCGI server together: nginx -> php8.2-fpm, lighttpd -> php8.2-fpm,
// httpd-ts -> fpm-ts, and the crossings nginx -> fpm-ts, lighttpd -> fpm-ts, httpd-ts -> php-fpm.
// Every site's web server and FastCGI server run on core 0, wrk on core 1 (issue "Gateways",
// Performance). A PHP "hello" page and a JavaScript "hello" handler; pm static with FPM_WORKERS
// workers on a unix socket. All sites are up at once (an idle one costs nothing) and take turns
// for STACK_ROUNDS rounds, so the noise of a shared machine falls on all alike. FastCGI connections:
// nginx keeps them open (keepalive), lighttpd 1.4 opens one per request, httpd-ts is measured both
// ways (its keep-conn host key on and off). keep-conn is not used towards php-fpm: a php-fpm child
// serves one connection until it closes, so kept connections beyond pm.max_children starve.
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '@libs/testing';
import { FPM_WORKERS } from './fpm-bench';
import { cpuSeconds, processTree, startPinned, waitForHttp, type Started } from './processes';
import { runWrk } from './wrk';

export const STACK_ROUNDS = 3;
const WARMUP_SECONDS = 5;
const CONNECTIONS = 16;

export interface StackRound {
  readonly requestsPerSec: number;
  /** CPU microseconds per request of everything on core 0 (front and FastCGI server). */
  readonly serverUs: number;
  readonly faults: number;
}

export type StackResults = Record<string, readonly StackRound[] | Error>;

type Front = 'nginx' | 'lighttpd' | 'httpd-ts';
type Backend = 'php8.2-fpm' | 'fpm-ts';

/** The sites measured, in print order: the two targets' references first; true: keep-conn. */
export const STACK_SITES: ReadonlyArray<readonly [Front, Backend, boolean]> = [
  ['nginx', 'php8.2-fpm', false],
  ['lighttpd', 'php8.2-fpm', false],
  ['httpd-ts', 'fpm-ts', true],
  ['httpd-ts', 'fpm-ts', false],
  ['nginx', 'fpm-ts', false],
  ['lighttpd', 'fpm-ts', false],
  ['httpd-ts', 'php8.2-fpm', false],
];

export const siteName = (front: Front, backend: Backend, keepConn: boolean): string => `${front} -> ${backend}${keepConn ? ' (keep-conn)' : ''}`;

function poolConf(work: string, name: string): string {
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
`;
}

function frontConf(front: Front, work: string, site: string, port: number, socket: string, script: string, keepConn: boolean): string {
  if (front === 'nginx') {
    return `daemon off;
master_process off;
worker_processes 1;
pid ${work}/${site}.pid;
error_log ${work}/${site}-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${work}/body; proxy_temp_path ${work}/proxy; fastcgi_temp_path ${work}/fastcgi;
  uwsgi_temp_path ${work}/uwsgi; scgi_temp_path ${work}/scgi;
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
  // lighttpd and httpd-ts read the same file: the script is found in the document root by its extension
  return `server.document-root = "${work}"
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = "${work}/${site}-error.log"
server.modules += ( "mod_fastcgi" )
fastcgi.server = ( "${path.extname(script)}" => (( "socket" => "${socket}"${keepConn ? ', "keep-conn" => "enable"' : ''} )) )
`;
}

interface Site {
  readonly port: number;
  readonly fpm: Started;
  readonly front: Started;
  /** What wrk asks for: "/" (nginx maps it to the script) or the script's own name. */
  readonly url: string;
}

async function waitForFile(file: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startBackend(backend: Backend, work: string, name: string, fpmTs: string): Started {
  fs.writeFileSync(path.join(work, `${name}.conf`), poolConf(work, name));
  const conf = path.join(work, `${name}.conf`);
  return backend === 'php8.2-fpm'
    ? startPinned(name, 0, '/usr/sbin/php-fpm8.2', ['-F', '-R', '-y', conf])
    : startPinned(name, 0, process.execPath, [fpmTs, '-F', '-R', '-y', conf]);
}

function startFront(front: Front, conf: string, httpdTs: string): Started {
  if (front === 'nginx') return startPinned(front, 0, 'nginx', ['-c', conf, '-e', '/dev/null']);
  if (front === 'lighttpd') return startPinned(front, 0, '/usr/sbin/lighttpd', ['-D', '-f', conf]);
  return startPinned(front, 0, process.execPath, [httpdTs, '-D', '-f', conf]);
}

async function startSite(work: string, [front, backend, keepConn]: readonly [Front, Backend, boolean], index: number, bins: { fpmTs: string; httpdTs: string }): Promise<Site> {
  const name = `site${index}-${backend}`;
  const socket = path.join(work, `${name}.sock`);
  fs.rmSync(socket, { force: true });
  const fpm = startBackend(backend, work, name, bins.fpmTs);
  try {
    await waitForFile(socket);
    const port = await freePort();
    const script = path.join(work, backend === 'php8.2-fpm' ? 'hello.php' : 'hello.js');
    const conf = path.join(work, `site${index}-${front}.conf`);
    // lighttpd and httpd-ts take SCRIPT_FILENAME from the document root and the URL: "/" maps to the script by name
    const url = front === 'nginx' ? '/' : `/${path.basename(script)}`;
    fs.writeFileSync(conf, frontConf(front, work, `site${index}-${front}`, port, socket, script, keepConn));
    const started = startFront(front, conf, bins.httpdTs);
    try {
      await waitForHttp(port, url);
    } catch (err) {
      await started.stop();
      throw err;
    }
    return { port, fpm, front: started, url };
  } catch (err) {
    await fpm.stop();
    throw err;
  }
}

function round(site: Site, seconds: number): StackRound {
  const pids = [...processTree(site.fpm.child.pid ?? 0), ...processTree(site.front.child.pid ?? 0)];
  const before = cpuSeconds(pids);
  const wrk = runWrk(`http://127.0.0.1:${site.port}${site.url}`, { core: 1, seconds, connections: CONNECTIONS });
  const used = cpuSeconds(pids) - before;
  return { requestsPerSec: wrk.requestsPerSec, serverUs: (used * 1e6) / (wrk.requestsPerSec * seconds), faults: wrk.errors + wrk.non2xx };
}

export async function benchStack(work: string, bins: { fpmTs: string; httpdTs: string }, seconds: number): Promise<StackResults> {
  fs.writeFileSync(path.join(work, 'hello.php'), '<?php echo "hello";\n');
  fs.writeFileSync(path.join(work, 'hello.js'), "module.exports = () => new Response('hello');\n");
  const sites = new Map<string, Site | Error>();
  const results: Record<string, StackRound[] | Error> = {};
  try {
    for (const [i, site] of STACK_SITES.entries()) {
      sites.set(siteName(...site), await startSite(work, site, i, bins).catch((err: Error) => err));
    }
    for (const [name, site] of sites) {
      if (site instanceof Error) results[name] = site;
      else runWrk(`http://127.0.0.1:${site.port}${site.url}`, { core: 1, seconds: WARMUP_SECONDS, connections: CONNECTIONS });
    }
    for (let r = 0; r < STACK_ROUNDS; r++) {
      for (const [name, site] of sites) {
        const rounds = (results[name] ??= []);
        if (site instanceof Error || rounds instanceof Error) continue;
        try {
          rounds.push(round(site, seconds));
        } catch (err) {
          results[name] = err as Error;
        }
      }
    }
    return results;
  } finally {
    for (const site of sites.values()) {
      if (site instanceof Error) continue;
      await site.front.stop();
      await site.fpm.stop();
    }
  }
}
