// Test support for the serve tests: start the real httpd-ts binary on a fixture config (port 0,
// the real port read from its error log), raw HTTP over real sockets, response splitting.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnTs, workspaceRoot } from '@libs/testing';

export interface RunningServer {
  readonly child: ChildProcess;
  readonly port: number;
  readonly dir: string;
  stderr: string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export const FIXTURES = path.join(__dirname, 'fixtures', 'serve');
const BIN = path.join(workspaceRoot, 'services/httpd/bin/httpd-ts.ts');
const BUNDLE = path.join(workspaceRoot, 'services/httpd/dist/httpd-ts.js');

/** Writes the fixture config (with @ROOT@/@TMP@ filled in) to `dir` and starts httpd-ts -D on it. */
export function startServer(fixture: string, dir: string): Promise<RunningServer> {
  return startConf(fs.readFileSync(path.join(FIXTURES, fixture), 'utf8'), dir);
}

/** Starts httpd-ts -D on config text (@ROOT@/@TMP@ filled in) plus extra flags; resolves once it logged "server started". */
export function startConf(text: string, dir: string, args: readonly string[] = [], options: SpawnOptions = {}): Promise<RunningServer> {
  return startWith((a) => spawnTs(BIN, a, options), text, dir, args, 15000);
}

/**
 * The same with the built bundle (what users run; `nx test httpd` builds it first): a watcher
 * starts its workers as new processes, which start in a fraction of the source's time.
 */
export function startBundle(text: string, dir: string, args: readonly string[] = []): Promise<RunningServer> {
  return startWith((a) => spawn(process.execPath, [BUNDLE, ...a], { stdio: 'pipe' }), text, dir, args, 30000);
}

async function startWith(launch: (args: string[]) => ChildProcess, text: string, dir: string, args: readonly string[], timeoutMs: number): Promise<RunningServer> {
  const conf = text.replaceAll('@ROOT@', dir).replaceAll('@TMP@', dir);
  const confPath = path.join(dir, 'httpd.conf');
  fs.writeFileSync(confPath, conf);
  // a log left by an earlier run in the same directory would announce the wrong port
  fs.rmSync(path.join(dir, 'error.log'), { force: true });
  const child = launch(['-D', '-f', confPath, ...args]);
  const server: RunningServer = {
    child,
    port: 0,
    dir,
    stderr: '',
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve(child.exitCode);
          return;
        }
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
  child.stderr?.on('data', (d: Buffer) => (server.stderr += d.toString()));
  const log = path.join(dir, 'error.log');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
    const m = /server listening on 127\.0\.0\.1:(\d+)/.exec(text);
    if (text.includes('server started')) return { ...server, port: m === null ? 0 : Number(m[1]), stop: server.stop, child };
    if (child.exitCode !== null || Date.now() > deadline) {
      // A server that neither started nor exited must not outlive the test.
      child.kill('SIGKILL');
      throw new Error(`httpd-ts did not start: ${server.stderr}${text}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs httpd-ts with `args` to its exit (a start that must fail, -t, -tt); exit code and output. */
export function runHttpd(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawnTs(BIN, args);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    // a start that unexpectedly succeeds must not outlive the test
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The error log of a server started in `dir`. */
export function errorLog(dir: string): string {
  const log = path.join(dir, 'error.log');
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
}

/** Polls until `cond` holds (or fails after `ms`). */
export async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'httpd-serve-'));
}

/** Sends raw bytes to a port or unix socket path (optionally in slices with pauses) and returns everything until the server closes. */
export function rawExchange(port: number | string, input: string | Buffer | readonly (string | Buffer)[], opts: { halfClose?: boolean; timeoutMs?: number } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = typeof port === 'string' ? net.connect({ path: port, allowHalfOpen: true }) : net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no close from server; got: ${Buffer.concat(chunks).toString('latin1').slice(0, 500)}`));
    }, opts.timeoutMs ?? 8000);
    sock.on('data', (d) => chunks.push(d));
    // the server sent FIN: finish our side too
    sock.on('end', () => sock.end());
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    sock.on('connect', () => {
      const parts = Array.isArray(input) ? input : [input];
      for (const p of parts) sock.write(p);
      if (opts.halfClose === true) sock.end();
    });
  });
}

export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Splits a byte stream into responses (Content-Length framing; `headOnly` for HEAD answers). */
export function parseResponses(data: Buffer, headOnly: readonly boolean[] = []): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let pos = 0;
  while (pos < data.length) {
    const end = data.indexOf('\r\n\r\n', pos);
    if (end === -1) break;
    const lines = data.toString('latin1', pos, end).split('\r\n');
    const status = Number((lines[0] ?? '').split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const c = l.indexOf(':');
      headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
    }
    pos = end + 4;
    if (status === 100) continue;
    const noBody = headOnly[out.length] === true || status === 304 || status === 204;
    const len = noBody ? 0 : Number(headers['content-length'] ?? data.length - pos);
    out.push({ status, headers, body: data.subarray(pos, pos + len) });
    pos += len;
  }
  return out;
}

export const get = (p: string, extra = '', close = true): string =>
  `GET ${p} HTTP/1.1\r\nHost: localhost\r\n${extra}${close ? 'Connection: close\r\n' : ''}\r\n`;
