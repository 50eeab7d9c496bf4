// Every hook of the plugin contract is called where lighttpd 1.4.69 calls it (plugin.h, response.c,
// connections.c): a -m module (fixtures/modules/mod_hooklog.js) records the hooks it sees over a
// request's life and the test compares the order with lighttpd's, for a plain GET, keep-alive,
// pipelining, a 400, a POST whose body a handler reads, and a client leaving mid-response.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { get, rawExchange, startConf, tempDir, until, type RunningServer } from './serve-support';

const MODULES = path.join(__dirname, 'fixtures', 'modules');

let dir = '';
let logFile = '';
let server: RunningServer | null = null;
let startup: string[] = [];

beforeAll(async () => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs'));
  fs.writeFileSync(path.join(dir, 'htdocs', 'a.txt'), 'static\n');
  logFile = path.join(dir, 'hooks.log');
  const conf = [
    'server.modules += ( "mod_hooklog", "mod_stream" )',
    'server.document-root = "@ROOT@/htdocs"',
    'server.bind = "127.0.0.1"',
    'server.port = 0',
    'server.errorlog = "@TMP@/error.log"',
    'server.stream-response-body = 2',
    `hooklog.file = "${logFile}"`,
    '',
  ].join('\n');
  server = await startConf(conf, dir, ['-m', MODULES]);
  startup = takeHooks();
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const port = (): number => (server as RunningServer).port;

/** The hooks recorded since the last call, consecutive repeats collapsed (a hook that waited runs again). */
function takeHooks(): string[] {
  const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
  fs.writeFileSync(logFile, '');
  const out: string[] = [];
  for (const line of text.split('\n')) if (line !== '' && out[out.length - 1] !== line) out.push(line);
  return out;
}

/** Waits until the connection's close hook is recorded, then returns the sequence. */
async function hooksUntilClose(): Promise<string[]> {
  await until(() => fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').includes('handleConnectionClose'));
  return takeHooks();
}

const STATIC_REQUEST = ['handleUriRaw', 'handleUriClean', 'handleDocroot', 'handlePhysical', 'handleSubrequestStart', 'handleResponseStart', 'handleRequestDone'];

describe('hook order over a request\'s life (lighttpd 1.4.69)', () => {
  beforeEach(() => takeHooks());

  it('workerInit ran once at start-up, before any connection', () => {
    expect(startup).toEqual(['workerInit']);
  });

  it('a plain GET with Connection: close', async () => {
    await rawExchange(port(), get('/a.txt'));
    expect(await hooksUntilClose()).toEqual([
      'handleConnectionAccept',
      ...STATIC_REQUEST,
      'handleConnectionShutWr',
      'handleRequestReset',
      'handleConnectionClose',
    ]);
  });

  it('two requests on a kept-alive connection, and the same two pipelined', async () => {
    const expected = ['handleConnectionAccept', ...STATIC_REQUEST, 'handleRequestReset', ...STATIC_REQUEST, 'handleConnectionShutWr', 'handleRequestReset', 'handleConnectionClose'];
    const sock = net.connect(port(), '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(get('/a.txt', '', false));
    await new Promise((r) => sock.once('data', r));
    sock.write(get('/a.txt'));
    await new Promise((r) => sock.once('close', r));
    expect(await hooksUntilClose()).toEqual(expected);
    await rawExchange(port(), get('/a.txt', '', false) + get('/a.txt'));
    expect(await hooksUntilClose()).toEqual(expected);
  });

  it('a malformed request (400): response_start, request_done, shut_wr, request_reset, close', async () => {
    await rawExchange(port(), 'GARBAGE\r\n\r\n');
    expect(await hooksUntilClose()).toEqual([
      'handleConnectionAccept',
      'handleResponseStart',
      'handleRequestDone',
      'handleConnectionShutWr',
      'handleRequestReset',
      'handleConnectionClose',
    ]);
  });

  it('a POST whose handler reads the body (arriving later) and asks for the backend environment', async () => {
    const sock = net.connect(port(), '127.0.0.1');
    let out = '';
    sock.on('data', (d: Buffer) => (out += d.toString('latin1')));
    await new Promise((r) => sock.once('connect', r));
    sock.write('POST /rec-post HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\n');
    await until(() => fs.readFileSync(logFile, 'utf8').includes('handleRequestEnv'));
    sock.write('hello');
    await new Promise((r) => sock.once('close', r));
    expect(out).toContain('read 5');
    expect(await hooksUntilClose()).toEqual([
      'handleConnectionAccept',
      'handleUriRaw',
      'handleUriClean',
      'handleDocroot',
      'handlePhysical',
      'handleSubrequest',
      'handleRequestEnv',
      'handleSubrequest',
      'handleResponseStart',
      'handleRequestDone',
      'handleConnectionShutWr',
      'handleRequestReset',
      'handleConnectionClose',
    ]);
  });

  it('a client that leaves mid-response: request_done still runs, then shut_wr, request_reset, close', async () => {
    const sock = net.connect(port(), '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(get('/stream?n=1000000000', '', false));
    await new Promise((r) => sock.once('data', r));
    sock.destroy();
    const hooks = await hooksUntilClose();
    expect(hooks).toEqual([
      'handleConnectionAccept',
      'handleUriRaw',
      'handleUriClean',
      'handleDocroot',
      'handlePhysical',
      'handleResponseStart',
      'handleRequestDone',
      'handleConnectionShutWr',
      'handleRequestReset',
      'handleConnectionClose',
    ]);
  });

  it("a module's child process exit reaches handleWaitpid with wait(2)'s status", async () => {
    fs.writeFileSync(`${logFile}.spawn`, '');
    await until(() => fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').includes('handleWaitpid'));
    expect(takeHooks()).toContain(`handleWaitpid ${3 << 8}`);
  });
});
