// A module named in server.modules that httpd-ts does not build stops the start, as lighttpd's
// failed dlopen() does ("loading plugins finally failed", exit 255): a config asking for mod_auth,
// mod_access or mod_fastcgi must never be served without them. Keys no loaded module claims get
// lighttpd's "WARNING: unknown config-key" in the error log at start, as lighttpd writes it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '@libs/testing';
import { LIGHTTPD_MODULES } from '../src/server/lighttpd-modules';
import { BUILTIN_MODULES } from '../src/server/plugins';
import { errorLog, runHttpd, startConf, tempDir, until, type RunningServer } from './serve-support';

const LIGHTTPD = ['/usr/sbin/lighttpd', '/usr/bin/lighttpd'].find((p) => fs.existsSync(p));

let dir = '';
let server: RunningServer | null = null;

beforeEach(() => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs', 'admin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'htdocs', 'admin', 'index.html'), 'protected\n');
  fs.writeFileSync(path.join(dir, 'htdocs', 'config.inc'), 'db-password\n');
});
afterEach(async () => {
  await server?.stop();
  server = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

const base = (): string =>
  `server.document-root = "${dir}/htdocs"\nserver.bind = "127.0.0.1"\nserver.port = 0\nserver.errorlog = "${dir}/error.log"\n`;

/** The config of the report: lighttpd 1.4.69 answers 401, 403 and runs PHP with it. */
const PROTECTED = `server.modules += ("mod_access", "mod_auth", "mod_authn_file", "mod_fastcgi")
url.access-deny = ( "~", ".inc" )
auth.backend = "plain"
auth.backend.plain.userfile = "/etc/lighttpd/users"
auth.require = ( "/admin/" => ( "method" => "basic", "realm" => "x", "require" => "valid-user" ) )
fastcgi.server = ( ".php" => (( "socket" => "/run/php/php-fpm.sock" )) )
`;

function writeConf(text: string): string {
  const file = path.join(dir, 'httpd.conf');
  fs.writeFileSync(file, text);
  return file;
}

const NOT_BUILT = 'mod_access, mod_auth, mod_authn_file are not available in this version of httpd-ts';

describe('server.modules naming a module httpd-ts does not have', () => {
  it('refuses to start, names the modules, exits 255 and serves nothing', async () => {
    const conf = writeConf(base() + PROTECTED);
    const r = await runHttpd(['-D', '-f', conf]);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain(`loading plugins finally failed: ${NOT_BUILT}`);
    expect(r.stderr).toContain('HTTPD_ERR_MODULE_UNKNOWN');
    const log = errorLog(dir);
    expect(log).toContain(`loading plugins finally failed: ${NOT_BUILT}`);
    expect(log).not.toContain('server started');
  });

  it('-tt says the same and exits 255', async () => {
    const r = await runHttpd(['-tt', '-f', writeConf(base() + PROTECTED)]);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain(`loading plugins finally failed: ${NOT_BUILT}`);
  });

  it('refuses every lighttpd 1.4.69 module it does not build, by name', async () => {
    const missing = [...LIGHTTPD_MODULES].filter((m) => !BUILTIN_MODULES.has(m));
    const list = missing.map((m) => `"${m}"`).join(', ');
    const r = await runHttpd(['-tt', '-f', writeConf(`${base()}server.compat-module-load = "disable"\nserver.modules = ( ${list} )\n`)]);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain(`loading plugins finally failed: ${missing.join(', ')} are not available in this version of httpd-ts`);
  });

  it('a name neither httpd-ts nor lighttpd knows fails like lighttpd: "loading plugins finally failed", exit 255', async () => {
    if (LIGHTTPD === undefined) throw new Error('lighttpd is not installed: install the Debian package "lighttpd"');
    const conf = writeConf(`${base()}server.modules += ( "mod_nonexistent" )\n`);
    const ours = await runHttpd(['-tt', '-f', conf]);
    expect(ours.code).toBe(255);
    expect(ours.stderr).toContain('loading plugins finally failed: unknown module(s) mod_nonexistent');
    const theirs = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(LIGHTTPD, ['-tt', '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(theirs.code).toBe(ours.code);
    expect(theirs.stderr).toContain('loading plugins finally failed');
  });
});

describe('core directives this version does not carry out', () => {
  it.each([
    ['ssl.engine', 'ssl.engine = "enable"'],
    ['server.chroot', `server.chroot = "/srv/jail"`],
  ])('%s stops the start and -tt, naming the directive, file and line', async (key, line) => {
    const conf = writeConf(`${base()}${line}\n`);
    const where = `${conf}:5`;
    const start = await runHttpd(['-D', '-f', conf]);
    expect(start.code).toBe(255);
    expect(start.stderr).toContain(`"${key}" is not available in this version of httpd-ts (${where}`);
    expect(errorLog(dir)).not.toContain('server started');
    const tt = await runHttpd(['-tt', '-f', conf]);
    expect(tt.code).toBe(255);
    expect(tt.stderr).toContain(`"${key}" is not available in this version of httpd-ts (${where}`);
  });

  it('ssl.* keys append mod_openssl to the modules with lighttpd\'s warning, as lighttpd 1.4.69 does', async () => {
    const r = await runHttpd(['-tt', '-f', writeConf(`${base()}ssl.pemfile = "/etc/ssl/x.pem"\n`)]);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('Warning: please add "mod_openssl" to server.modules list');
    expect(r.stderr).toContain('loading plugins finally failed: mod_openssl is not available in this version of httpd-ts');
  });
});

describe('config keys no loaded module claims', () => {
  it("are warned about in the error log at start, in lighttpd's words, as lighttpd 1.4.69 does", async () => {
    if (LIGHTTPD === undefined) throw new Error('lighttpd is not installed: install the Debian package "lighttpd"');
    const extra = 'url.access-deny = ( "~", ".inc" )\nfoo.bar = "nobody reads this"\n';
    server = await startConf(base() + extra, dir);
    await until(() => errorLog(dir).includes('unknown config-key: foo.bar'));
    const ours = errorLog(dir);
    expect(ours).toContain('WARNING: unknown config-key: url.access-deny (ignored)');
    expect(ours).toContain('WARNING: unknown config-key: foo.bar (ignored)');

    const port = await freePort();
    const theirLog = path.join(dir, 'lighttpd-error.log');
    const conf = path.join(dir, 'lighttpd.conf');
    fs.writeFileSync(conf, base().replace(`${dir}/error.log`, theirLog).replace('server.port = 0', `server.port = ${port}`) + extra);
    const lighttpd = spawn(LIGHTTPD, ['-D', '-f', conf], { stdio: 'ignore' });
    try {
      await until(() => fs.existsSync(theirLog) && fs.readFileSync(theirLog, 'utf8').includes('unknown config-key: foo.bar'));
      const theirs = fs.readFileSync(theirLog, 'utf8');
      expect(theirs).toContain('WARNING: unknown config-key: url.access-deny (ignored)');
    } finally {
      await new Promise<void>((resolve) => {
        if (lighttpd.exitCode !== null) return resolve();
        lighttpd.once('exit', () => resolve());
        lighttpd.kill('SIGTERM');
      });
    }
  });
});
