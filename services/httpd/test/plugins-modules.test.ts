// Process-level: a third-party module (a plain JS file in the -m directory) loaded through
// server.modules: its directive table with per-request values, a request hook answering a URL,
// handleTrigger running once a second; -tt loads and initialises it.
import fs from 'node:fs';
import path from 'node:path';
import { spawnTs, workspaceRoot } from '@libs/testing';
import { get, parseResponses, rawExchange, startConf, tempDir, type RunningServer } from './serve-support';

const BIN = path.join(workspaceRoot, 'services/httpd/bin/httpd-ts.ts');
let dir: string;
let server: RunningServer | null = null;

const MODULE = `
let ticks = 0;
module.exports = {
  name: 'mod_hello',
  directives: [{ key: 'hello.greeting', type: 'string', scope: 'connection', default: 'hello' }],
  handleTrigger() {
    ticks++;
    return 'go-on';
  },
  handleUriClean(r) {
    if (r.url === '/hello') {
      r.status = 200;
      r.responseHeaders.push('Content-Type', 'text/plain');
      r.appendBody(Buffer.from(r.moduleConfig('mod_hello')['hello.greeting'] + '\\n'));
      return 'finished';
    }
    if (r.url === '/ticks') {
      r.status = 200;
      r.appendBody(Buffer.from(String(ticks)));
      return 'finished';
    }
    return 'go-on';
  },
};
`;

const CONF = `
server.modules = ( "mod_hello" )
server.document-root = "@ROOT@/htdocs"
server.bind = "127.0.0.1"
server.port = 0
server.errorlog = "@TMP@/error.log"
hello.greeting = "hi from a module"
$HTTP["host"] == "other.example" { hello.greeting = "other host" }
`;

beforeEach(() => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs'));
  fs.mkdirSync(path.join(dir, 'modules'));
  fs.writeFileSync(path.join(dir, 'htdocs', 'index.txt'), 'static\n');
  fs.writeFileSync(path.join(dir, 'modules', 'mod_hello.js'), MODULE);
});
afterEach(async () => {
  await server?.stop();
  server = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a module from -m answers its URL with its per-request config; static files still served; its trigger runs', async () => {
  server = await startConf(CONF, dir, ['-m', path.join(dir, 'modules')]);
  const [hello] = parseResponses(await rawExchange(server.port, get('/hello')));
  expect(hello?.status).toBe(200);
  expect(hello?.body.toString()).toBe('hi from a module\n');
  const other = 'GET /hello HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n';
  expect(parseResponses(await rawExchange(server.port, other))[0]?.body.toString()).toBe('other host\n');
  const [file] = parseResponses(await rawExchange(server.port, get('/index.txt')));
  expect(file?.body.toString()).toBe('static\n');
  await new Promise((r) => setTimeout(r, 1500));
  const [ticks] = parseResponses(await rawExchange(server.port, get('/ticks')));
  expect(Number(ticks?.body.toString())).toBeGreaterThan(0);
});

function run(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawnTs(BIN, args);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('-tt loads the -m module and knows its keys; without -m the module is unknown', async () => {
  const conf = path.join(dir, 'httpd.conf');
  fs.writeFileSync(conf, CONF.replaceAll('@ROOT@', dir).replaceAll('@TMP@', dir));
  const ok = await run(['-tt', '-m', path.join(dir, 'modules'), '-f', conf]);
  expect(ok.stderr).not.toContain('hello.greeting');
  expect(ok.code).toBe(0);
  const missing = await run(['-tt', '-f', conf]);
  expect(missing.code).toBe(255);
  expect(missing.stderr).toContain('unknown module(s) mod_hello (HTTPD_ERR_MODULE_UNKNOWN)');
});
