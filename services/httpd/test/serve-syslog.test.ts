// server.errorlog-use-syslog: the real httpd-ts in a private mount namespace whose /dev/log is a
// datagram socket the test bound; its lines arrive as lighttpd's openlog("lighttpd", LOG_CONS |
// LOG_PID, server.syslog-facility) + syslog(3) send them (no timestamp of its own, a "(file.c.N) "
// source where the line has one), and it still exits once stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DatagramReceiver, privateDevLog, tsEnv, tsNodeArgs, workspaceRoot } from '@libs/testing';
import { rawExchange, tempDir } from './serve-support';

const BIN = path.join(workspaceRoot, 'services/httpd/bin/httpd-ts.ts');

let dir: string;
let child: ChildProcess | undefined;
let receiver: DatagramReceiver | undefined;
beforeEach(() => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs'));
  fs.writeFileSync(path.join(dir, 'htdocs', 'index.html'), 'hello\n');
});
afterEach(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  receiver?.close();
  receiver = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts httpd-ts -D under a /dev/log that is `socketPath`; stderr is collected. */
function start(conf: string, socketPath: string): { proc: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const confPath = path.join(dir, 'httpd.conf');
  fs.writeFileSync(confPath, `server.document-root = "${dir}/htdocs"\nserver.bind = "127.0.0.1"\nserver.port = 0\n${conf}`);
  const [wrapper, ...wrapperArgs] = privateDevLog(dir, socketPath);
  const proc = spawn(wrapper ?? 'unshare', [...wrapperArgs, process.execPath, ...tsNodeArgs(BIN, ['-D', '-f', confPath])], { env: tsEnv() });
  child = proc;
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, stderr: () => stderr, exit };
}

describe('server.errorlog-use-syslog', () => {
  it('logs its lines as lighttpd[pid] with server.syslog-facility, ahead of server.errorlog', async () => {
    const socketPath = path.join(dir, 'syslog.sock');
    receiver = await DatagramReceiver.bind(socketPath);
    const run = start(`server.errorlog = "${dir}/error.log"\nserver.errorlog-use-syslog = "enable"\nserver.syslog-facility = "local1"\n`, socketPath);
    const got = await receiver.waitUntil('server started', (messages) => messages.some((m) => / server started \(/.test(m)), 20000);
    const listening = got.find((m) => /server listening on 127\.0\.0\.1:\d+$/.test(m)) ?? '';
    // local1 is 17: 136 + LOG_NOTICE 5.
    expect(listening).toMatch(new RegExp(`^<141>[A-Z][a-z]{2} [ 123]\\d \\d\\d:\\d\\d:\\d\\d lighttpd\\[${run.proc.pid}\\]: server listening on 127\\.0\\.0\\.1:\\d+$`));
    const port = Number(/:(\d+)$/.exec(listening)?.[1]);
    expect((await rawExchange(port, 'GET /index.html HTTP/1.0\r\n\r\n')).toString('latin1')).toMatch(/^HTTP\/1\.0 200 OK\r\n[\s\S]*\r\n\r\nhello\n$/);

    run.proc.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    await receiver.waitUntil('server stopped', (messages) => messages.some((m) => /server stopped$/.test(m)));
    expect(run.stderr()).toBe('');
    expect(fs.existsSync(path.join(dir, 'error.log'))).toBe(false);
  });

  it('warns about an unknown facility and uses daemon, as lighttpd does', async () => {
    const socketPath = path.join(dir, 'syslog.sock');
    receiver = await DatagramReceiver.bind(socketPath);
    const run = start('server.errorlog-use-syslog = "enable"\nserver.syslog-facility = "LOCAL1"\n', socketPath);
    const got = await receiver.waitUntil('server started', (messages) => messages.some((m) => / server started \(/.test(m)), 20000);
    // daemon is 3: 24 + LOG_WARNING 4, then 24 + LOG_NOTICE 5.
    expect(got[0]).toMatch(/^<28>.* lighttpd\[\d+\]: unrecognized syslog facility: "LOCAL1"; defaulting to "daemon" facility$/);
    expect(got.find((m) => / server started \(/.test(m))).toMatch(/^<29>/);
    run.proc.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });
});
