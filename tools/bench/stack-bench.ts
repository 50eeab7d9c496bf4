// A one-box site, front and FastCGI server together: nginx -> php8.2-fpm, lighttpd -> php8.2-fpm,
// httpd-ts -> fpm-ts, and the crossings nginx -> fpm-ts, lighttpd -> fpm-ts, httpd-ts -> php-fpm.
// Every site's web server and FastCGI server run on core 0, wrk on core 1 (issue "Gateways",
// Performance). A PHP "hello" page and a JavaScript "hello" handler; pm static with FPM_WORKERS
// workers (fpm-ts also with one) on a unix socket. All sites are up at once (an idle one costs nothing) and take turns
// for STACK_ROUNDS rounds, so the noise of a shared machine falls on all alike. FastCGI connections:
// nginx keeps them open (keepalive), lighttpd 1.4 opens one per request, httpd-ts is measured both
// ways (its keep-conn host key on and off). keep-conn is not used towards php-fpm: a php-fpm child
// serves one connection until it closes, so kept connections beyond pm.max_children starve.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort } from '@libs/testing';
import { FPM_WORKERS } from './fpm-bench';
import { cpuSeconds, processTree, rssKiB, startPinned, waitForHttp, type Started } from './processes';
import { takeTurns } from './take-turns';
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

/** One 100 MiB POST through a site: the handler counts the bytes it read. */
export interface PostResult {
  readonly path: string;
  readonly mibPerSec: number;
  /** Peak resident memory of the front server (its processes) during the POST. */
  readonly frontPeakRssMiB: number;
}

export type StackResults = Record<string, readonly StackRound[] | Error>;
export type PostResults = Record<string, readonly PostResult[] | Error>;

export const POST_BYTES = 100 * 1024 * 1024;

type Front = 'nginx' | 'lighttpd' | 'httpd-ts';
type Backend = 'php8.2-fpm' | 'fpm-ts';

/** One site: its front, its FastCGI server with `workers` (pm static), and keep-conn (httpd-ts only). */
export interface StackSite {
  readonly front: Front;
  readonly backend: Backend;
  readonly keepConn: boolean;
  readonly workers: number;
}

const site = (front: Front, backend: Backend, keepConn = false, workers = FPM_WORKERS): StackSite => ({ front, backend, keepConn, workers });

/**
 * The sites measured, in print order: the two targets' references first. fpm-ts also runs with one
 * worker: a JavaScript worker serves its connections concurrently (a php-fpm child serves one), so
 * one worker per core is how it is meant to run on a one-core host; the issue measured both.
 */
export const STACK_SITES: readonly StackSite[] = [
  site('nginx', 'php8.2-fpm'),
  site('lighttpd', 'php8.2-fpm'),
  site('httpd-ts', 'fpm-ts', true),
  site('httpd-ts', 'fpm-ts', true, 1),
  site('httpd-ts', 'fpm-ts'),
  site('nginx', 'fpm-ts'),
  site('nginx', 'fpm-ts', false, 1),
  site('lighttpd', 'fpm-ts'),
  site('httpd-ts', 'php8.2-fpm'),
];

export function siteName(s: StackSite): string {
  const notes = [...(s.workers === FPM_WORKERS ? [] : [`${s.workers} worker${s.workers === 1 ? '' : 's'}`]), ...(s.keepConn ? ['keep-conn'] : [])];
  return `${s.front} -> ${s.backend}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
}

function poolConf(work: string, name: string, workers: number): string {
  return `[global]
error_log = ${work}/${name}-error.log
pid = ${work}/${name}.pid
daemonize = no
[www]
user = nobody
listen = ${work}/${name}.sock
listen.mode = 0666
pm = static
pm.max_children = ${workers}
php_admin_value[post_max_size] = 0
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
  client_max_body_size 0;
  server {
    listen 127.0.0.1:${port};
    location / {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME ${script};
      fastcgi_keep_conn on;
      fastcgi_pass app;
    }
    location = /upload {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME ${work}/upload${path.extname(script)};
      fastcgi_keep_conn on;
      fastcgi_pass app;
    }
    location = /streamed/upload {
      fastcgi_request_buffering off;
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME ${work}/streamed/upload${path.extname(script)};
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
server.upload-dirs = ( "${work}" )
$HTTP["url"] =~ "^/streamed/" { server.stream-request-body = 2 }
`;
}

interface Site {
  readonly port: number;
  readonly fpm: Started;
  readonly front: Started;
  /** What wrk asks for: "/" (nginx maps it to the script) or the script's own name. */
  readonly url: string;
  stop(): Promise<void>;
}

async function waitForFile(file: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startBackend(backend: Backend, workers: number, work: string, name: string, fpmTs: string): Started {
  fs.writeFileSync(path.join(work, `${name}.conf`), poolConf(work, name, workers));
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

async function startSite(work: string, { front, backend, keepConn, workers }: StackSite, index: number, bins: { fpmTs: string; httpdTs: string }): Promise<Site> {
  const name = `site${index}-${backend}`;
  const socket = path.join(work, `${name}.sock`);
  fs.rmSync(socket, { force: true });
  const fpm = startBackend(backend, workers, work, name, bins.fpmTs);
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
    return {
      port,
      fpm,
      front: started,
      url,
      async stop() {
        await started.stop();
        await fpm.stop();
      },
    };
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

/** Sends POST_BYTES to the site's `urlPath` in 1 MiB writes; the answer must be the count. */
function post(site: Site, urlPath: string): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const pids = processTree(site.front.child.pid ?? 0);
    let peak = 0;
    const sample = setInterval(() => (peak = Math.max(peak, rssKiB(pids))), 50);
    const piece = Buffer.alloc(1024 * 1024, 'p');
    const started = performance.now();
    const req = http.request({ host: '127.0.0.1', port: site.port, method: 'POST', path: urlPath, headers: { 'content-type': 'application/octet-stream', 'content-length': POST_BYTES } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        clearInterval(sample);
        const secs = (performance.now() - started) / 1000;
        if (res.statusCode !== 200 || body.trim() !== String(POST_BYTES)) return reject(new Error(`${urlPath}: ${res.statusCode} ${body.slice(0, 200)}`));
        resolve({ path: urlPath, mibPerSec: POST_BYTES / 1048576 / secs, frontPeakRssMiB: peak / 1024 });
      });
    });
    req.on('error', (e) => {
      clearInterval(sample);
      reject(e);
    });
    let sent = 0;
    const more = (): void => {
      while (sent < POST_BYTES) {
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', more);
      }
      req.end();
    };
    more();
  });
}

/** The upload handlers (count what they read) and the hello pages. */
function writeScripts(work: string): void {
  fs.writeFileSync(path.join(work, 'hello.php'), '<?php echo "hello";\n');
  fs.writeFileSync(path.join(work, 'hello.js'), "module.exports = () => new Response('hello');\n");
  const php = '<?php $n = 0; $in = fopen("php://input", "r"); while (!feof($in)) { $n += strlen(fread($in, 65536)); } echo $n;\n';
  const js = 'module.exports = async (req) => { let n = 0; for await (const c of req.body) n += c.length; return new Response(String(n)); };\n';
  fs.mkdirSync(path.join(work, 'streamed'), { recursive: true });
  for (const dir of [work, path.join(work, 'streamed')]) {
    fs.writeFileSync(path.join(dir, 'upload.php'), php);
    fs.writeFileSync(path.join(dir, 'upload.js'), js);
  }
}

/** One POST each way (the front's default, and streamed to the backend) through every site. */
export async function benchStackPosts(work: string, bins: { fpmTs: string; httpdTs: string }): Promise<PostResults> {
  writeScripts(work);
  const results: Record<string, PostResult[] | Error> = {};
  // a POST is one request: the worker count does not matter to it
  for (const [i, site] of STACK_SITES.entries()) {
    if (site.workers !== FPM_WORKERS) continue;
    const name = siteName(site);
    let started: Site | undefined;
    try {
      started = await startSite(work, site, 100 + i, bins);
      const ext = site.backend === 'php8.2-fpm' ? '.php' : '.js';
      const paths = site.front === 'nginx' ? ['/upload', '/streamed/upload'] : [`/upload${ext}`, `/streamed/upload${ext}`];
      const out: PostResult[] = [];
      // one POST first, not measured: the servers' steady state counts, as the warm-up of the req/s rounds
      for (const p of paths) {
        await post(started, p);
        out.push(await post(started, p));
      }
      results[name] = out;
    } catch (err) {
      results[name] = err as Error;
    } finally {
      await started?.stop();
    }
  }
  return results;
}

export async function benchStack(work: string, bins: { fpmTs: string; httpdTs: string }, seconds: number): Promise<StackResults> {
  writeScripts(work);
  return takeTurns<Site, StackRound>({
    start: STACK_SITES.map((s, i) => [siteName(s), () => startSite(work, s, i, bins)] as const),
    warmUp: (site) => runWrk(`http://127.0.0.1:${site.port}${site.url}`, { core: 1, seconds: WARMUP_SECONDS, connections: CONNECTIONS }),
    measure: (site) => round(site, seconds),
    rounds: STACK_ROUNDS,
  });
}
