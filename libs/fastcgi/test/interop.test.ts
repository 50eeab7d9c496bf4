// Interop over real sockets with real Debian peers: cgi-fcgi (libfcgi) as the web server in
// front of serveFastcgi, and FastcgiClientConnection in front of php-cgi.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ServiceLog } from '@libs/log';
import { endChildInput } from '@libs/testing';
import {
  FastcgiClientConnection,
  FCGI_REQUEST_COMPLETE,
  parseCgiResponse,
  serveFastcgi,
  type FastcgiServerRequest,
  type FastcgiServing,
} from '../src';

function recorderLog(): ServiceLog & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (msg: string) => lines.push(`${level}: ${msg}`);
  return { lines, error: at('error'), warn: at('warn'), notice: at('notice'), info: at('info'), debug: at('debug') };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Run cgi-fcgi with exactly the given environment (env -i) and a request body on stdin. */
async function cgiFcgi(address: string, env: Record<string, string>, body = ''): Promise<{ stdout: Buffer; stderr: string; code: number | null }> {
  const pairs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const child = spawn('env', ['-i', ...pairs, 'cgi-fcgi', '-bind', '-connect', address], { stdio: 'pipe' });
  endChildInput(child, body);
  const [stdout, stderr, code] = await Promise.all([readAll(child.stdout), readAll(child.stderr), exited(child)]);
  return { stdout, stderr: stderr.toString(), code };
}

describe('serveFastcgi behind cgi-fcgi (libfcgi)', () => {
  let server: net.Server;
  let serving: FastcgiServing;
  let address: string;
  const log = recorderLog();
  const seen: Array<ReadonlyMap<string, string>> = [];

  beforeAll(async () => {
    server = net.createServer();
    serving = serveFastcgi(
      server,
      async (req: FastcgiServerRequest) => {
        seen.push(req.params);
        const body = await readAll(req.stdin);
        req.writeStderr('handler saw the request\n');
        req.write(`Status: 201 Created\r\nContent-Type: text/plain\r\n\r\n${req.params.get('REQUEST_METHOD')} ${body.length}\n`);
        req.write(body);
        req.end(0);
      },
      { log },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });

  afterAll(async () => {
    serving.closeAll();
    await new Promise((resolve) => server.close(resolve));
  });

  it('receives exactly the environment as params, stdin as body, and returns the raw response', async () => {
    const env = { REQUEST_METHOD: 'POST', SCRIPT_FILENAME: '/srv/app.js', CONTENT_LENGTH: '11', QUERY_STRING: 'a=1' };
    const before = seen.length;
    const res = await cgiFcgi(address, env, 'hello world');
    expect(res.code).toBe(0);
    expect(res.stdout.toString()).toBe('Status: 201 Created\r\nContent-Type: text/plain\r\n\r\nPOST 11\nhello world');
    expect(res.stderr).toContain('handler saw the request');
    expect(Object.fromEntries(seen[before] ?? [])).toEqual(env);
  });

  it('carries a body larger than one record both ways', async () => {
    const body = 'x'.repeat(200_000) + 'END';
    const res = await cgiFcgi(address, { REQUEST_METHOD: 'PUT', CONTENT_LENGTH: String(body.length) }, body);
    const parsed = parseCgiResponse(res.stdout);
    expect(parsed?.head.status).toBe(201);
    expect(parsed?.body.toString()).toBe(`PUT ${body.length}\n${body}`);
  });

  it('closes a connection that sends garbage, logs why at debug level (php-fpm logs nothing), and keeps serving others', async () => {
    const bad = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    const closed = new Promise((resolve) => bad.on('close', resolve));
    bad.on('error', () => undefined);
    bad.write(Buffer.from([9, 1, 0, 1, 0, 8, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]));
    const good = cgiFcgi(address, { REQUEST_METHOD: 'GET', CONTENT_LENGTH: '0' });
    await closed;
    expect((await good).stdout.toString()).toContain('GET 0');
    expect(log.lines.some((l) => l.startsWith('debug:') && l.includes('FASTCGI_ERR_VERSION'))).toBe(true);
  });
});

describe('FastcgiClientConnection in front of php-cgi', () => {
  let dir: string;
  let php: ChildProcess;
  let sock: string;
  const log = recorderLog();
  const open: FastcgiClientConnection[] = [];

  const connect = async (): Promise<FastcgiClientConnection> => {
    const conn = await FastcgiClientConnection.connect({ path: sock }, { log });
    open.push(conn);
    return conn;
  };

  const params = (method: string, body = '') => ({
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: method,
    SCRIPT_FILENAME: path.join(dir, 'echo.php'),
    SCRIPT_NAME: '/echo.php',
    REQUEST_URI: '/echo.php',
    REDIRECT_STATUS: '200',
    CONTENT_TYPE: 'application/octet-stream',
    CONTENT_LENGTH: String(Buffer.byteLength(body)),
  });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fastcgi-php-'));
    sock = path.join(dir, 'php.sock');
    writeFileSync(
      path.join(dir, 'echo.php'),
      '<?php header("X-Method: " . $_SERVER["REQUEST_METHOD"]); echo "pid ", getmypid(), "\\n"; echo file_get_contents("php://input");',
    );
    php = spawn('php-cgi', ['-b', sock], { stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '' } });
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const probe = net.connect(sock);
        probe.once('connect', () => {
          probe.destroy();
          resolve(true);
        });
        probe.once('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('php-cgi did not start listening');
  });

  afterEach(() => {
    for (const conn of open.splice(0)) conn.destroy();
  });

  afterAll(async () => {
    php.kill('SIGTERM');
    await exited(php);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a script and returns its head and body', async () => {
    const conn = await connect();
    const res = await conn.request({ params: params('GET') });
    expect(res.protocolStatus).toBe(FCGI_REQUEST_COMPLETE);
    expect(res.appStatus).toBe(0);
    const parsed = parseCgiResponse(res.stdout);
    expect(parsed?.head.status).toBe(200);
    expect(parsed?.head.headers).toContainEqual(['X-Method', 'GET']);
    expect(parsed?.body.toString()).toMatch(/^pid \d+\n$/);
  });

  it('sends a POST body that the script echoes back, across many STDIN records', async () => {
    const conn = await connect();
    const body = 'a'.repeat(150_000) + 'tail';
    const res = await conn.request({ params: params('POST', body), stdin: body });
    const parsed = parseCgiResponse(res.stdout);
    expect(parsed?.head.headers).toContainEqual(['X-Method', 'POST']);
    expect(parsed?.body.toString().split('\n')[1]).toBe(body);
  });

  it('reuses one connection for several requests with FCGI_KEEP_CONN', async () => {
    const conn = await connect();
    const first = await conn.request({ params: params('POST', 'one'), stdin: 'one' });
    const second = await conn.request({ params: params('POST', 'two'), stdin: 'two' });
    expect(parseCgiResponse(first.stdout)?.body.toString()).toMatch(/\none$/);
    expect(parseCgiResponse(second.stdout)?.body.toString()).toMatch(/\ntwo$/);
    expect(conn.closed).toBe(false);
    expect(conn.socket.destroyed).toBe(false);
  });

  it('sees php-cgi close the connection after a request without FCGI_KEEP_CONN', async () => {
    const conn = await connect();
    const closed = new Promise((resolve) => conn.socket.on('close', resolve));
    const res = await conn.request({ params: params('GET'), keepConn: false });
    expect(parseCgiResponse(res.stdout)?.head.status).toBe(200);
    await closed;
    expect(conn.closed).toBe(true);
  });

  it('asks php-cgi for its management values', async () => {
    const conn = await connect();
    const values = await conn.getValues(['FCGI_MPXS_CONNS', 'FCGI_MAX_REQS']);
    expect(values.get('FCGI_MPXS_CONNS')).toBe('0');
    expect(Number(values.get('FCGI_MAX_REQS'))).toBeGreaterThan(0);
  });
});
