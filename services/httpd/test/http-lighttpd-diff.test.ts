// Differential test: every corpus request is sent raw to a real lighttpd 1.4.69 and its answer is
// compared with our parser's decision (or with the divergence recorded in expectations.json).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCorpus, runParser } from './http-support';

const LIGHTTPD = ['/usr/sbin/lighttpd', '/usr/bin/lighttpd'].find((p) => fs.existsSync(p));

function freePort(): Promise<number> {
  // lighttpd cannot listen on port 0 and report the port: borrow one from the kernel first.
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Sends `raw`, half-closes, and resolves the first final status code (null: closed without one). */
function firstStatus(port: number, raw: Buffer): Promise<number | null> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    const finish = (v: number | null) => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), 3000);
    s.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      for (;;) {
        const m = /^HTTP\/1\.[01] (\d{3}) [^\r\n]*\r\n/.exec(data);
        if (m === null) return;
        const code = Number(m[1]);
        if (code !== 100) return finish(code);
        const end = data.indexOf('\r\n\r\n');
        if (end === -1) return;
        data = data.slice(end + 4);
      }
    });
    s.on('error', () => finish(null));
    s.on('close', () => finish(null));
    s.write(raw, () => s.end());
  });
}

describe('corpus against lighttpd 1.4.69', () => {
  let dir = '';
  let port = 0;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    if (LIGHTTPD === undefined) throw new Error('lighttpd is not installed: install the Debian package "lighttpd"');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'httpd-diff-'));
    fs.mkdirSync(path.join(dir, 'www'));
    fs.writeFileSync(path.join(dir, 'www', 'index.html'), 'hello\n');
    // A CGI that reads the body, so lighttpd has to decode (and reject) chunked bodies.
    fs.writeFileSync(path.join(dir, 'www', 'echo.sh'), 'printf "Status: 200\\r\\nContent-Type: text/plain\\r\\n\\r\\n"; cat\n');
    port = await freePort();
    fs.writeFileSync(
      path.join(dir, 'lighttpd.conf'),
      [
        `server.document-root = "${dir}/www"`,
        'server.bind = "127.0.0.1"',
        `server.port = ${port}`,
        `server.errorlog = "${dir}/error.log"`,
        'server.modules = ("mod_indexfile", "mod_cgi", "mod_staticfile")',
        'index-file.names = ("index.html")',
        'cgi.assign = (".sh" => "/bin/sh")',
        'server.max-request-size = 4',
        '',
      ].join('\n'),
    );
    child = spawn(LIGHTTPD, ['-D', '-f', path.join(dir, 'lighttpd.conf')], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 50));
  });

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers every corpus request as recorded (parity or a documented divergence)', async () => {
    const corpus = loadCorpus();
    const seen = await Promise.all(corpus.map((c) => firstStatus(port, c.raw)));
    const mismatches: string[] = [];
    corpus.forEach((c, i) => {
      const ours = runParser([c.raw]).status;
      const want = c.expect.divergence !== undefined ? c.expect.lighttpd ?? null : ours;
      if (seen[i] !== want) mismatches.push(`${c.file}: lighttpd ${seen[i]}, expected ${want} (ours ${ours})`);
    });
    expect(mismatches).toEqual([]);
  });
});
