// Test harness for the master tests: one real fpm-ts (bin/fpm-ts.ts through tsx) in a temp dir
// with a generated php-fpm.conf, its log lines on stderr, and requests sent with Debian's
// cgi-fcgi exactly as a web server would send them.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLines, spawnTs, tsEnv, tsNodeArgs, type LineReader } from '@libs/testing';

export const BIN = path.join(__dirname, '../bin/fpm-ts.ts');
export const FIXTURES = path.join(__dirname, 'fixtures/master');

export interface CgiResponse {
  status: number;
  head: string;
  body: string;
  /** cgi-fcgi's exit code: non-zero when the connection broke before the response ended. */
  code: number | null;
}

export class FpmUnderTest {
  readonly lines: LineReader;
  private exitCode: Promise<number | null>;

  private constructor(
    readonly dir: string,
    readonly proc: ChildProcess,
  ) {
    this.lines = readLines(proc.stderr);
    this.exitCode = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  }

  /** Writes the config (`@DIR@` replaced by the temp dir), copies the handler fixtures, starts fpm-ts. */
  /** `waitFor: null`: do not wait for a stderr line (the test logs to a file). */
  /** `wrap`: a command that runs the node command line it is given (unshare setting up a namespace). */
  static async start(
    conf: string,
    options: { env?: NodeJS.ProcessEnv; waitFor?: RegExp | null; bin?: string; wrap?: readonly string[] } = {},
  ): Promise<FpmUnderTest> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fpm-master-'));
    for (const file of fs.readdirSync(FIXTURES)) fs.copyFileSync(path.join(FIXTURES, file), path.join(dir, file));
    fs.writeFileSync(path.join(dir, 'fpm.conf'), conf.replaceAll('@DIR@', dir));
    const args = ['-F', '-R', '-y', path.join(dir, 'fpm.conf')];
    const [wrapper, ...wrapperArgs] = options.wrap ?? [];
    const proc =
      wrapper === undefined
        ? spawnTs(options.bin ?? BIN, args, { env: options.env ?? {} })
        : spawn(wrapper, [...wrapperArgs, process.execPath, ...tsNodeArgs(options.bin ?? BIN, args)], { env: tsEnv(options.env ?? {}) });
    const fpm = new FpmUnderTest(dir, proc);
    const waitFor = options.waitFor === undefined ? /ready to handle connections/ : options.waitFor;
    if (waitFor !== null) await fpm.lines.next((l) => waitFor.test(l), 20000);
    return fpm;
  }

  path(file: string): string {
    return path.join(this.dir, file);
  }

  get all(): readonly string[] {
    return this.lines.all;
  }

  waitLine(pattern: RegExp, timeoutMs = 10000): Promise<string> {
    return this.lines.next((l) => pattern.test(l), timeoutMs);
  }

  signal(sig: NodeJS.Signals): void {
    this.proc.kill(sig);
  }

  /** A FastCGI request through cgi-fcgi to the pool socket (a unix path or host:port). */
  request(socket: string, script: string, query = ''): Promise<CgiResponse> {
    const env = {
      REQUEST_METHOD: 'GET',
      SCRIPT_FILENAME: script.startsWith('/') && !script.startsWith('/status') && !script.startsWith('/ping') ? script : this.path(script.replace(/^\//, '')),
      SCRIPT_NAME: '/' + path.basename(script),
      REQUEST_URI: '/' + path.basename(script) + (query ? `?${query}` : ''),
      QUERY_STRING: query,
    };
    if (script === '/status' || script === '/ping') {
      env.SCRIPT_FILENAME = script;
      env.SCRIPT_NAME = script;
    }
    return cgiFcgi(socket, env);
  }

  /** Children pids from the status page (`?json&full`). */
  async statusJson(socket: string): Promise<{ [k: string]: unknown; processes: Array<{ pid: number; state: string; requests: number }> }> {
    const res = await this.request(socket, '/status', 'json&full');
    return JSON.parse(res.body) as { processes: Array<{ pid: number; state: string; requests: number }> };
  }

  /** Stops fpm-ts (SIGTERM unless told otherwise) and removes the temp dir. */
  async stop(sig: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(sig);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
    const code = await this.exitCode;
    clearTimeout(timer);
    fs.rmSync(this.dir, { recursive: true, force: true });
    return code;
  }

  exited(): Promise<number | null> {
    return this.exitCode;
  }
}

export function cgiFcgi(socket: string, env: NodeJS.ProcessEnv): Promise<CgiResponse> {
  return new Promise((resolve, reject) => {
    const child = spawn('cgi-fcgi', ['-bind', '-connect', socket], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.once('error', reject);
    child.once('close', (code) => {
      const out = Buffer.concat(chunks).toString('utf8');
      const split = out.indexOf('\r\n\r\n');
      const head = split >= 0 ? out.slice(0, split) : out;
      const status = Number(/^Status: (\d+)/im.exec(head)?.[1] ?? (split >= 0 ? 200 : 0));
      resolve({ status, head, body: split >= 0 ? out.slice(split + 4) : '', code });
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value other than undefined. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10000, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(stepMs);
  }
}
