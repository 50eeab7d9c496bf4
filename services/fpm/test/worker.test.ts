// Process-level tests of one JavaScript worker, with this test as its master: a real listening
// socket inherited by a real worker process, real FastCGI requests from Debian's cgi-fcgi.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bindInheritableSocket, WorkerProcess, type InheritableSocket } from '@libs/process';
import { endChildInput, tsEnv, tsNodeArgs } from '@libs/testing';
import type { PoolScoreboard } from '../src/status/scoreboard';
import { isFpmWorkerReport, type ActivityReport, type FpmMasterMessage, type FpmWorkerReport, type WorkerBootstrap } from '../src/worker/worker-messages';

const BIN = path.join(__dirname, '../bin/fpm-ts.ts');
let dir: string;
let socket: InheritableSocket;
let worker: WorkerProcess<FpmWorkerReport, FpmMasterMessage> | undefined;
let reports: FpmWorkerReport[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fpm-worker-'));
  socket = bindInheritableSocket({ path: path.join(dir, 'pool.sock') });
  reports = [];
  fs.writeFileSync(path.join(dir, 'hello.mjs'), "export default (req) => new Response('hello ' + new URL(req.url).searchParams.get('name'));\n");
  fs.writeFileSync(
    path.join(dir, 'echo.js'),
    "module.exports = async (req, ctx) => new Response(`${req.method} ${await req.text()} ${ctx.params.get('SCRIPT_NAME')}`, { status: 201, headers: { 'x-pool': ctx.pool } });\n",
  );
  fs.writeFileSync(path.join(dir, 'throws.js'), "module.exports = () => { throw new Error('handler exploded'); };\n");
  fs.writeFileSync(
    path.join(dir, 'busy.js'),
    'function spinForSlowlog(ms) { const end = Date.now() + ms; while (Date.now() < end); }\nmodule.exports = () => { spinForSlowlog(1500); return new Response("done"); };\n',
  );
  fs.writeFileSync(path.join(dir, 'readme.txt'), 'not a handler');
});

afterEach(async () => {
  await worker?.stop({ graceful: false, termTimeoutMs: 1000 });
  worker = undefined;
  socket.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Starts a worker as the master does. `files`: log files this test opens for it, as the master
 * opens them (the worker inherits the descriptors: 4 and up, after the listening socket).
 */
async function startWorker(
  overrides: Partial<WorkerBootstrap> = {},
  files: { accessLog?: string; slowlog?: string } = {},
): Promise<WorkerProcess<FpmWorkerReport, FpmMasterMessage>> {
  const inheritFds: number[] = [];
  const inherit = (file: string | undefined): number | null => (file === undefined ? null : 3 + inheritFds.push(fs.openSync(file, 'a', 0o600)));
  const boot: WorkerBootstrap = {
    pool: 'www',
    listenFd: 3,
    listenBacklog: 511,
    statusPath: '/status',
    pingPath: '/ping',
    pingResponse: 'pong',
    maxRequests: 0,
    limitExtensions: ['.js', '.mjs'],
    revalidateSeconds: 0,
    slowlogTimeoutSeconds: 0,
    slowlogFd: inherit(files.slowlog),
    slowlogTraceDepth: 20,
    chdir: null,
    allowedClients: null,
    accessLog: files.accessLog ?? null,
    accessLogFd: inherit(files.accessLog),
    accessFormat: '%R - %u %t "%m %r" %s',
    accessSuppressPaths: [],
    ...overrides,
  };
  const w = new WorkerProcess<FpmWorkerReport, FpmMasterMessage>(
    { command: process.execPath, args: tsNodeArgs(BIN), env: tsEnv({ FPM_TS_WORKER: JSON.stringify(boot) }), listenFds: [socket.fd], inheritFds, output: 'inherit' },
    { isCustom: isFpmWorkerReport },
  );
  // The worker has its own copies now.
  w.once('spawn', () => inheritFds.forEach((fd) => fs.closeSync(fd)));
  w.on('message', (msg) => reports.push(msg));
  worker = w;
  await new Promise((resolve) => w.once('ready', resolve));
  return w;
}

async function reportsSettle(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
}

interface CgiResponse {
  status: number;
  headers: string;
  body: string;
}

function request(script: string, options: { method?: string; query?: string; body?: string } = {}): Promise<CgiResponse> {
  const env: NodeJS.ProcessEnv = {
    REQUEST_METHOD: options.method ?? 'GET',
    SCRIPT_FILENAME: path.join(dir, script),
    SCRIPT_NAME: `/${script}`,
    QUERY_STRING: options.query ?? '',
    HTTP_HOST: 'example.test',
    CONTENT_LENGTH: String(Buffer.byteLength(options.body ?? '')),
  };
  return new Promise((resolve, reject) => {
    const child = spawn('cgi-fcgi', ['-bind', '-connect', path.join(dir, 'pool.sock')], { env });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const split = out.indexOf('\r\n\r\n');
      const headers = split < 0 ? out : out.slice(0, split);
      const status = Number(/^Status: (\d+)/im.exec(headers)?.[1] ?? 200);
      resolve({ status, headers, body: split < 0 ? '' : out.slice(split + 4) });
    });
    endChildInput(child, options.body ?? '', reject);
  });
}

describe('fpm-ts JavaScript worker', () => {
  it('serves ES module and CommonJS handlers with the Fetch API, request bodies included', async () => {
    await startWorker();
    const hello = await request('hello.mjs', { query: 'name=fpm' });
    expect(hello).toMatchObject({ status: 200, body: 'hello fpm' });
    const echo = await request('echo.js', { method: 'POST', body: 'payload' });
    expect(echo.status).toBe(201);
    expect(echo.body).toBe('POST payload /echo.js');
    expect(echo.headers).toMatch(/^x-pool: www$/m);
    // Activity reaches the master a moment after the response (it is summarised): wait for it.
    const activity = (): ActivityReport[] => reports.filter((r): r is ActivityReport => r.type === 'activity');
    const started = (): number => activity().reduce((n, r) => n + r.started, 0);
    await reportsSettle(() => started() >= 2 && activity().at(-1)?.running.length === 0);
    expect(started()).toBe(2);
    expect(activity().at(-1)?.last).toMatchObject({ method: 'POST', uri: '/echo.js', script: path.join(dir, 'echo.js'), contentLength: 7 });
  });

  it("answers php-fpm's 404, 403 and 500, and keeps serving after a handler throws", async () => {
    await startWorker();
    expect(await request('missing.js')).toMatchObject({ status: 404, body: 'File not found.\n' });
    expect(await request('readme.txt')).toMatchObject({ status: 403, body: 'Access denied.\n' });
    // The worker's own log lines go to the master, which writes them to its error log.
    await reportsSettle(() => reports.some((r) => r.type === 'log'));
    expect(reports).toContainEqual({
      type: 'log',
      level: 'warn',
      message: `[pool www] Access to the script '${path.join(dir, 'readme.txt')}' has been denied (see security.limit_extensions)`,
    });
    expect((await request('throws.js')).status).toBe(500);
    expect(await request('hello.mjs', { query: 'name=again' })).toMatchObject({ status: 200, body: 'hello again' });
  });

  it("writes php-fpm's access log line for each request", async () => {
    const accessLog = path.join(dir, 'access.log');
    const w = await startWorker({}, { accessLog });
    await request('hello.mjs', { query: 'name=x' });
    await request('missing.js');
    await w.stop({ graceful: true });
    const lines = fs.readFileSync(accessLog, 'utf8').trim().split('\n');
    const time = String.raw`\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}`;
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^- -  ${time} "GET /hello\\.mjs" 200$`));
    expect(lines[1]).toMatch(new RegExp(`^- -  ${time} "GET /missing\\.js" 404$`));
  });

  it('leaves out of the access log only the plain successful requests to access.suppress_path[], as php-fpm 8.2 does', async () => {
    const accessLog = path.join(dir, 'access.log');
    const w = await startWorker({ accessFormat: '%m %r %s %q', accessSuppressPaths: ['/hello.mjs', '/missing.js'] }, { accessLog });
    await request('hello.mjs'); // suppressed
    await request('hello.mjs', { method: 'HEAD' }); // suppressed
    await request('hello.mjs', { query: 'name=x' });
    await request('hello.mjs', { method: 'POST' });
    await request('hello.mjs', { body: 'abc' }); // a request body, so logged
    await request('missing.js'); // a 404, so logged
    await w.stop({ graceful: true });
    expect(fs.readFileSync(accessLog, 'utf8').trim().split('\n')).toEqual([
      'GET /hello.mjs 200 name=x',
      'POST /hello.mjs 200 ',
      'GET /hello.mjs 200 ',
      'GET /missing.js 404',
    ]);
  });

  it('reloads a changed handler module', async () => {
    await startWorker();
    fs.writeFileSync(path.join(dir, 'v.js'), "module.exports = () => new Response('v1');\n");
    expect((await request('v.js')).body).toBe('v1');
    fs.writeFileSync(path.join(dir, 'v.js'), "module.exports = () => new Response('v2, longer');\n");
    fs.utimesSync(path.join(dir, 'v.js'), new Date(), new Date(Date.now() + 5000));
    expect((await request('v.js')).body).toBe('v2, longer');
  });

  it('answers ping.path and pm.status_path from the scoreboard the master sends', async () => {
    const w = await startWorker();
    w.on('message', (msg) => {
      if (msg.type !== 'scoreboard-query') return;
      const board: PoolScoreboard = {
        pool: 'www', processManager: 'static', startTime: 1000, acceptedConn: 7, listenQueue: 0, maxListenQueue: 0,
        listenQueueLen: 0, idle: 1, active: 1, total: 2, maxActive: 1, maxChildrenReached: 0, slowRequests: 0, processes: [],
      };
      w.send({ type: 'scoreboard', id: msg.id, board });
    });
    expect(await request('ping')).toMatchObject({ status: 200, body: 'pong' });
    const status = await request('status', { query: 'json' });
    expect(JSON.parse(status.body)).toMatchObject({ pool: 'www', 'accepted conn': 7, 'total processes': 2 });
  });

  it('retires after pm.max_requests and exits cleanly', async () => {
    const w = await startWorker({ maxRequests: 2 });
    await request('hello.mjs');
    await request('hello.mjs');
    const exit = await w.exited;
    expect(exit.code).toBe(0);
    expect(reports.some((r) => r.type === 'retiring')).toBe(true);
  });

  it('writes the JavaScript stack of a slow request to the slowlog', async () => {
    const slowlog = path.join(dir, 'slow.log');
    await startWorker({ slowlogTimeoutSeconds: 1 }, { slowlog });
    expect((await request('busy.js')).body).toBe('done');
    for (let i = 0; i < 40 && !fs.existsSync(slowlog); i++) await new Promise((r) => setTimeout(r, 50));
    const text = fs.readFileSync(slowlog, 'utf8');
    expect(text).toMatch(/\[pool www\] pid \d+\nscript_filename = .*busy\.js\n/);
    expect(text).toMatch(/\] spinForSlowlog\(\) .*busy\.js:1\n/);
  });

  it("names the one slow request that waits, without the stack of another request's code", async () => {
    const slowlog = path.join(dir, 'slow.log');
    fs.writeFileSync(path.join(dir, 'waits.js'), 'module.exports = async () => { await new Promise((r) => setTimeout(r, 1600)); return new Response("waited"); };\n');
    // A neighbour on the same worker runs JavaScript every few milliseconds meanwhile.
    fs.writeFileSync(
      path.join(dir, 'ticks.js'),
      'function neighbourTick(n) { let x = 0; for (let i = 0; i < 1e4; i++) x += i; return x + n; }\n' +
        'module.exports = () => new Promise((resolve) => { const t = setInterval(neighbourTick, 2, 1); setTimeout(() => { clearInterval(t); resolve(new Response("ticked")); }, 1900); });\n',
    );
    await startWorker({ slowlogTimeoutSeconds: 1 }, { slowlog });
    const [waited, ticked] = await Promise.all([request('waits.js'), new Promise((r) => setTimeout(r, 50)).then(() => request('ticks.js'))]);
    expect([waited.body, ticked.body]).toEqual(['waited', 'ticked']);
    for (let i = 0; i < 40 && !fs.readFileSync(slowlog, 'utf8').includes('waits.js'); i++) await new Promise((r) => setTimeout(r, 50));
    const text = fs.readFileSync(slowlog, 'utf8');
    const entry = text.split(/\n(?=\[\d{2}-)/).find((e) => e.includes('script_filename = ' + path.join(dir, 'waits.js')));
    expect(entry).toMatch(/\(the event loop is idle: the request is waiting on I\/O\)\n$/);
    expect(entry).not.toMatch(/neighbourTick|ticks\.js/);
  });
});
