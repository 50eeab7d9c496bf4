// httpd-ts against lighttpd 1.4 and nginx from Debian, serving the same files with equivalent
// configs: each server on core 0, wrk on core 1. lighttpd and httpd-ts read the very same
// lighttpd.conf.
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '@libs/testing';
import { startPinned, waitForHttp, type Started } from './processes';
import { runWrk, type WrkResult } from './wrk';

export interface Scenario {
  readonly name: string;
  readonly path: string;
  readonly connections: number;
}

export const HTTPD_SCENARIOS: readonly Scenario[] = [
  { name: '1 KiB file, keep-alive', path: '/1k.bin', connections: 32 },
  { name: '1 MiB file', path: '/1m.bin', connections: 8 },
  { name: '404', path: '/missing', connections: 32 },
];

export type HttpdResults = Record<string, Record<string, WrkResult | Error>>;

function lighttpdConf(docroot: string, port: number, work: string): string {
  return [
    `server.document-root = "${docroot}"`,
    `server.bind = "127.0.0.1"`,
    `server.port = ${port}`,
    `server.errorlog = "${work}/error.log"`,
    `server.modules = ( "mod_staticfile" )`,
    `mimetype.assign = ( ".bin" => "application/octet-stream" )`,
    `server.max-worker = 0`,
    '',
  ].join('\n');
}

function nginxConf(docroot: string, port: number, work: string): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${work}/nginx.pid;
error_log ${work}/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path ${work}/body;
  proxy_temp_path ${work}/proxy;
  fastcgi_temp_path ${work}/fastcgi;
  uwsgi_temp_path ${work}/uwsgi;
  scgi_temp_path ${work}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${docroot};
  }
}
`;
}

export async function benchHttpd(work: string, httpdTs: string, seconds: number): Promise<HttpdResults> {
  fs.mkdirSync(work, { recursive: true });
  const docroot = path.join(work, 'htdocs');
  fs.mkdirSync(docroot, { recursive: true });
  fs.writeFileSync(path.join(docroot, '1k.bin'), Buffer.alloc(1024, 'a'));
  fs.writeFileSync(path.join(docroot, '1m.bin'), Buffer.alloc(1024 * 1024, 'b'));

  const servers: Array<[string, (port: number) => Started]> = [
    ['nginx', (port) => {
      fs.writeFileSync(path.join(work, 'nginx.conf'), nginxConf(docroot, port, work));
      return startPinned('nginx', 0, 'nginx', ['-c', path.join(work, 'nginx.conf'), '-e', path.join(work, 'nginx-error.log')]);
    }],
    ['lighttpd', (port) => {
      fs.writeFileSync(path.join(work, 'lighttpd.conf'), lighttpdConf(docroot, port, work));
      return startPinned('lighttpd', 0, 'lighttpd', ['-D', '-f', path.join(work, 'lighttpd.conf')]);
    }],
    ['httpd-ts', (port) => {
      fs.writeFileSync(path.join(work, 'httpd-ts.conf'), lighttpdConf(docroot, port, work));
      return startPinned('httpd-ts', 0, process.execPath, [httpdTs, '-D', '-f', path.join(work, 'httpd-ts.conf')]);
    }],
  ];

  const results: HttpdResults = {};
  for (const [name, start] of servers) {
    results[name] = {};
    const port = await freePort();
    const server = start(port);
    try {
      await waitForHttp(port, '/1k.bin');
      // A short warm-up so JIT-compiled servers are measured warm, as the others are.
      runWrk(`http://127.0.0.1:${port}/1k.bin`, { core: 1, seconds: 2, connections: 32 });
      for (const s of HTTPD_SCENARIOS) {
        (results[name] as Record<string, WrkResult | Error>)[s.name] = runWrk(`http://127.0.0.1:${port}${s.path}`, { core: 1, seconds, connections: s.connections });
      }
    } catch (err) {
      for (const s of HTTPD_SCENARIOS) (results[name] as Record<string, WrkResult | Error>)[s.name] ??= err as Error;
    } finally {
      await server.stop();
    }
  }
  return results;
}
