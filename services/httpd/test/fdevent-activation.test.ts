// Process-level: httpd-ts under Debian's systemd-socket-activate (LISTEN_FDS/LISTEN_FDNAMES):
// inherited unix sockets matched to $SERVER["socket"] blocks by name and by address, an unmatched
// one still served, and the configured TCP socket bound as usual (server.systemd-socket-activation).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tsEnv, tsNodeArgs, workspaceRoot } from '@libs/testing';
import { errorLog, get, parseResponses, rawExchange, tempDir, until } from './serve-support';

const BIN = path.join(workspaceRoot, 'services/httpd/bin/httpd-ts.ts');
let dir: string;
let child: ChildProcess | null = null;

beforeEach(() => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs'));
  fs.writeFileSync(path.join(dir, 'htdocs', 'a.txt'), 'activated\n');
});
afterEach(async () => {
  const c = child;
  child = null;
  if (c !== null && c.exitCode === null && c.signalCode === null) {
    c.kill('SIGTERM');
    await new Promise((r) => c.once('exit', r));
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

const CONF = `
server.document-root = "@ROOT@/htdocs"
server.bind = "127.0.0.1"
server.port = 0
server.errorlog = "@ROOT@/error.log"
server.systemd-socket-activation = "enable"
mimetype.assign = ( ".txt" => "text/plain" )
$SERVER["socket"] == "@ROOT@/configured.sock" { server.tag = "matched-by-name" }
$SERVER["socket"] == "@ROOT@/by-address.sock" { server.tag = "matched-by-address" }
`;

test('inherited sockets are matched by LISTEN_FDNAMES name and by address; an unmatched one is served too', async () => {
  const named = path.join(dir, 'named.sock');
  const byAddress = path.join(dir, 'by-address.sock');
  const extra = path.join(dir, 'extra.sock');
  const conf = path.join(dir, 'httpd.conf');
  fs.writeFileSync(conf, CONF.replaceAll('@ROOT@', dir));
  const env = tsEnv();
  child = spawn(
    'systemd-socket-activate',
    [
      '-l', named, '-l', byAddress, '-l', extra,
      `--fdname=${path.join(dir, 'configured.sock')}:web:other`,
      '-E', `TSX_TSCONFIG_PATH=${env['TSX_TSCONFIG_PATH'] ?? ''}`,
      process.execPath, ...tsNodeArgs(BIN, ['-D', '-f', conf]),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await until(() => fs.existsSync(extra) || child?.exitCode !== null);
  expect(stderr).not.toContain('Failed');

  // the first connection makes systemd-socket-activate start httpd-ts; it waits in the backlog meanwhile
  const [r1] = parseResponses(await rawExchange(named, get('/a.txt'), { timeoutMs: 15000 }));
  expect(r1?.status).toBe(200);
  expect(stderr).toContain('Communication attempt');
  expect(r1?.body.toString()).toBe('activated\n');
  expect(r1?.headers['server']).toBe('matched-by-name');
  // matched by name: the configured path was never bound
  expect(fs.existsSync(path.join(dir, 'configured.sock'))).toBe(false);

  const [r2] = parseResponses(await rawExchange(byAddress, get('/a.txt')));
  expect(r2?.headers['server']).toBe('matched-by-address');

  const [r3] = parseResponses(await rawExchange(extra, get('/a.txt')));
  expect(r3?.status).toBe(200);
  expect(r3?.headers['server']).toMatch(/^httpd-ts\//);

  const log = errorLog(dir);
  expect(log).toContain(`serving unconfigured socket ${extra}`);
  // the configured TCP socket is bound as well
  const port = Number(/server listening on 127\.0\.0\.1:(\d+)/.exec(log)?.[1]);
  const [r4] = parseResponses(await rawExchange(port, get('/a.txt')));
  expect(r4?.status).toBe(200);
});
