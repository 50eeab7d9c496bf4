// Test support for the FastCGI tests: Debian's php-fpm 8.2 and this repository's fpm-ts started
// in the foreground with their own config in a temp dir, a pool on a unix socket there, stopped by
// the test; and a plain HTTP client.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { readLines, spawnTs, workspaceRoot } from '@libs/testing';
import { until } from './serve-support';

export const FASTCGI_FIXTURES = path.join(__dirname, 'fixtures', 'fastcgi');
export const PHP_FPM = ['/usr/sbin/php-fpm8.2', '/usr/sbin/php-fpm'].find((p) => fs.existsSync(p));
const FPM_TS = path.join(workspaceRoot, 'services/fpm/bin/fpm-ts.ts');

/** A body's md5 in hex, what the tests compare large bodies by. */
export const md5 = (b: Buffer): string => crypto.createHash('md5').update(b).digest('hex');

/** SIGTERM to a child that still runs; resolves once it exited. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/**
 * Writes `total` bytes of `byte` to `out` in 64 KiB pieces, only as fast as it takes them, then
 * ends it; `counted.written` says how far it got (a slow reader's backpressure is visible there).
 */
export function pour(out: NodeJS.WritableStream, total: number, byte: number, counted: { written: number }): void {
  const piece = Buffer.alloc(64 * 1024, byte);
  const more = (): void => {
    while (counted.written < total) {
      counted.written += piece.length;
      if (!out.write(piece)) return void out.once('drain', more);
    }
    out.end();
  };
  more();
}

export interface FastcgiPeer {
  /** The pool's unix socket. */
  readonly socket: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

function peer(child: ChildProcess, socket: string, output: () => string): FastcgiPeer {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    socket,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function ready(p: FastcgiPeer, child: ChildProcess): Promise<FastcgiPeer> {
  try {
    await until(() => fs.existsSync(p.socket) || child.exitCode !== null, 20000);
  } catch (e) {
    await p.stop();
    throw e;
  }
  if (child.exitCode !== null) throw new Error(`the FastCGI server exited with ${child.exitCode}: ${p.output()}`);
  return p;
}

/**
 * php-fpm8.2 -F -y conf -p dir (-R as root): one static pool of `children` on dir/php.sock, as the
 * current user; with `pool`, the pool has that name, listens on dir/<pool>.sock and its scripts see
 * it as getenv('POOL'); `extra` lines are added to the pool's section.
 */
export async function startPhpFpm(dir: string, children = 2, pool?: string, extra = ''): Promise<FastcgiPeer> {
  if (PHP_FPM === undefined) throw new Error('php-fpm is not installed: install the Debian package "php8.2-fpm"');
  const socket = path.join(dir, `${pool ?? 'php'}.sock`);
  const conf = path.join(dir, 'php-fpm.conf');
  fs.writeFileSync(
    conf,
    `[global]
error_log = ${path.join(dir, 'php-fpm.log')}
daemonize = no
[${pool ?? 'www'}]
listen = ${socket}${pool === undefined ? '' : `\nenv[POOL] = ${pool}`}
pm = static
pm.max_children = ${children}
security.limit_extensions = .php .php5
php_admin_value[post_max_size] = 64M
${extra}`,
  );
  const args = ['-F', '-y', conf, '-p', dir, ...(process.getuid?.() === 0 ? ['-R'] : [])];
  const child = spawn(PHP_FPM, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const log = path.join(dir, 'php-fpm.log');
  return ready(peer(child, socket, () => out + (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '')), child);
}

/** fpm-ts -F -R -y conf: one static pool on dir/fpm.sock whose handlers are the .js files of `dir`. */
export async function startFpmTs(dir: string): Promise<FastcgiPeer> {
  const socket = path.join(dir, 'fpm.sock');
  const conf = path.join(dir, 'fpm-ts.conf');
  fs.writeFileSync(conf, `[global]\nerror_log = /dev/stderr\n[www]\nlisten = ${socket}\npm = static\npm.max_children = 1\n`);
  const child = spawnTs(FPM_TS, ['-F', '-R', '-y', conf]);
  const lines = readLines(child.stderr);
  const p = peer(child, socket, () => lines.all.join('\n'));
  try {
    await lines.next((l) => /ready to handle connections/.test(l), 20000);
  } catch (e) {
    await p.stop();
    throw e;
  }
  return ready(p, child);
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on its own connection. */
export function request(port: number, method: string, target: string, body?: Buffer, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
