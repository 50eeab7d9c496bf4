// Interop: httpd-ts and the real lighttpd 1.4.69 must agree on which configs are valid (-t), and
// print the same internal form (-p). lighttpd runs as a real process on the same files.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultHooks, main } from '../src/main';

interface Case {
  readonly name: string;
  readonly conf: string;
  readonly files?: Readonly<Record<string, string>>;
  readonly valid: boolean;
}

const ROOT = 'server.document-root = "/srv/www"\n';

/* Both servers must accept the first group and reject the second. Known, deliberate differences
 * (lighttpd's parser silently drops tokens after some syntax errors, e.g. `x = "a" "b"`, a stray
 * `}`, `x = (,)`, `x = 1 2`; httpd-ts rejects those) are not in this table. */
const CASES: readonly Case[] = [
  { name: 'plain assignments', conf: `${ROOT}server.port = 8080\nserver.tag = "a \\"b\\""\n`, valid: true },
  { name: 'lists and key => value lists, nested, trailing commas', conf: `${ROOT}x.a = ( "a", "b", )\nx.b = ( "k" => ( "n" => 1 ), "j" => "v" )\nx.c = ()\nx.d = ( "a",, "b" )\n`, valid: true },
  { name: '+ on strings, integers and lists', conf: `${ROOT}x.a = "s" + 1\nx.b = 1 + "s"\nx.c = 1 + 2\nx.d = ( "a" ) + ( "b" )\n`, valid: true },
  { name: '+= and := ', conf: `${ROOT}x.a = ( "a" )\nx.a += ( "b" )\nx.s = "a"\nx.s += "b"\nx.n += "new"\nserver.port = 80\nserver.port := 81\n`, valid: true },
  { name: 'variables and env', conf: `var.a = "/srv"\nb = var.a + "/x"\nserver.document-root = b\nserver.tag = env.PATH\n`, valid: true },
  { name: 'remote-ip forms', conf: `${ROOT}$HTTP["remoteip"] != "[::1]" {}\n$HTTP["remoteip"] == "::FFFF:1.2.3.4" {}\n$HTTP["remoteip"] =~ "^192\\\\.168\\\\." {}\n$HTTP["host"] == "Example.ORG" {} else {}\n`, valid: true },
  { name: 'every operator and subject', conf: `${ROOT}$HTTP["host"] == "a.org" {}\n$HTTP["url"] != "/x" {}\n$HTTP["url"] =~ "^/(a|b)" {}\n$HTTP["querystring"] !~ "x" {}\n$HTTP["url"] =^ "/p" {}\n$HTTP["url"] =$ ".css" {}\n$HTTP["remoteip"] == "10.0.0.0/8" {}\n$HTTP["scheme"] == "https" {}\n$HTTP["request-method"] == "GET" {}\n$HTTP["useragent"] =~ "curl" {}\n$HTTP["referer"] == "" {}\n$HTTP["cookie"] =~ "a" {}\n$HTTP["language"] =~ "de" {}\n$REQUEST_HEADER["X-A"] == "1" {}\n$SERVER["socket"] == "127.0.0.1:81" {}\n`, valid: true },
  { name: 'nesting and else chains', conf: `${ROOT}$HTTP["host"] == "a" {\n  $HTTP["url"] =^ "/x" { x.a = 1 }\n}\nelse $HTTP["host"] == "b" { x.b = 1 }\n\nelse { x.c = 1 }\n`, valid: true },
  { name: 'Allman braces', conf: `${ROOT}$HTTP["url"] == "/a"\n{\n  x.a = 1\n}\nelse\n{\n  x.b = 1\n}\nglobal\n{\n  x.c = 1\n}\n`, valid: true },
  { name: 'statements after } and several on a line', conf: `${ROOT}$HTTP["url"] == "/a" { x.a = 1 } x.b = 2 x.c = 3\n`, valid: true },
  { name: 'global block', conf: `${ROOT}global {\n  server.max-worker = 2\n}\n`, valid: true },
  { name: 'include with a glob that matches nothing', conf: `${ROOT}include "nothing.d/*.conf"\n`, valid: true },
  { name: 'include relative to the main file', conf: `${ROOT}include "sub/a.conf"\n`, files: { 'sub/a.conf': 'include "sub/b.conf"\n', 'sub/b.conf': 'x.b = 1\n' }, valid: true },
  { name: 'include_shell', conf: `${ROOT}include_shell "echo x.a = 1"\n`, valid: true },
  { name: 'identical duplicate key in +', conf: `${ROOT}x.a = ( "k" => 1 ) + ( "k" => 1 )\n`, valid: true },
  { name: 'numeric string for a number', conf: `${ROOT}server.port = "8080"\n`, valid: true },
  { name: 'integers beyond 65535 for short directives (lighttpd keeps the low 16 bits)', conf: `${ROOT}server.max-keep-alive-requests = 100000\nserver.max-keep-alive-idle = 70000\nserver.max-connections = 65536\nserver.port = 65616\n`, valid: true },
  { name: 'boolean spellings', conf: `${ROOT}server.follow-symlink = "Enable"\nserver.range-requests = "false"\netag.use-size = 0\n`, valid: true },

  { name: 'duplicate assignment', conf: `${ROOT}server.port = 80\nserver.port = 81\n`, valid: false },
  { name: 'undefined variable', conf: `${ROOT}x.a = nothere\n`, valid: false },
  { name: 'undefined env variable', conf: `${ROOT}x.a = env.HTTPD_TS_SURELY_UNSET\n`, valid: false },
  { name: 'assigning env.*', conf: `${ROOT}env.X = "1"\n`, valid: false },
  { name: 'list += string', conf: `${ROOT}x.a = ( "a" )\nx.a += "b"\n`, valid: false },
  { name: 'duplicate key in a list', conf: `${ROOT}x.a = ( "k" => 1, "k" => 2 )\n`, valid: false },
  { name: 'conflicting key in +', conf: `${ROOT}x.a = ( "k" => 1 ) + ( "k" => 2 )\n`, valid: false },
  { name: 'unknown condition field', conf: `${ROOT}$HTTP["nope"] == "a" {}\n`, valid: false },
  { name: 'unknown condition object', conf: `${ROOT}$FOO["url"] == "a" {}\n`, valid: false },
  { name: 'broken regex', conf: `${ROOT}$HTTP["url"] =~ "(" {}\n`, valid: false },
  { name: 'number on the right of a condition', conf: `${ROOT}$HTTP["url"] == 5 {}\n`, valid: false },
  { name: 'unsupported operator !^', conf: `${ROOT}$HTTP["url"] !^ "a" {}\n`, valid: false },
  { name: 'else after else', conf: `${ROOT}$HTTP["url"] == "a" {} else {} else {}\n`, valid: false },
  { name: 'condition inside global', conf: `${ROOT}global { $HTTP["url"] == "a" {} }\n`, valid: false },
  { name: 'missing closing quote', conf: `${ROOT}server.tag = "open\n`, valid: false },
  { name: 'unclosed block', conf: `${ROOT}$HTTP["url"] == "a" {\n`, valid: false },
  { name: 'missing =', conf: `${ROOT}server.port 80\n`, valid: false },
  { name: 'dangling +', conf: `${ROOT}server.port = 80 +\n`, valid: false },
  { name: 'unclosed list', conf: `${ROOT}x.a = ( "a",\n`, valid: false },
  { name: 'single quotes', conf: `${ROOT}server.tag = 'x'\n`, valid: false },
  { name: 'number too large', conf: `${ROOT}x.a = 99999999999999999999\n`, valid: false },
  { name: 'missing include file', conf: `${ROOT}include "missing.conf"\n`, valid: false },
  { name: 'include_shell failing', conf: `${ROOT}include_shell "exit 3"\n`, valid: false },
  { name: 'port not a number', conf: `${ROOT}server.port = "eighty"\n`, valid: false },
  { name: 'tag not a string', conf: `${ROOT}server.tag = 5\n`, valid: false },
  { name: 'mimetype.assign not a list', conf: `${ROOT}mimetype.assign = "text/plain"\n`, valid: false },
  { name: 'mimetype.assign without keys', conf: `${ROOT}mimetype.assign = ( "a", "b" )\n`, valid: false },
  { name: 'server.modules with keys', conf: `${ROOT}server.modules = ( "a" => "mod_access" )\n`, valid: false },
  { name: 'remote-ip that is not an address', conf: `${ROOT}$HTTP["remoteip"] == "bogus" {}\n`, valid: false },
  { name: 'remote-ip with leading zeros', conf: `${ROOT}$HTTP["remoteip"] == "010.1.1.1" {}\n`, valid: false },
  { name: 'remote-ip prefix that is no address', conf: `${ROOT}$HTTP["remoteip"] =^ "10." {}\n`, valid: false },
  { name: 'boolean nonsense', conf: `${ROOT}server.follow-symlink = "maybe"\n`, valid: false },
  { name: 'a string beyond 65535 for a short directive', conf: `${ROOT}server.max-keep-alive-requests = "100000"\n`, valid: false },
  { name: 'int not a number', conf: `${ROOT}server.max-request-size = "lots"\n`, valid: false },
];

/** The -p output of both carries var.PID, which differs by nature. */
const P_CASES = ['remote-ip forms', 'every operator and subject', 'nesting and else chains', 'Allman braces', '+= and := ', 'lists and key => value lists, nested, trailing commas'];

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'httpd-agree-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeCase(c: Case, n: number): string {
  const base = path.join(dir, `case-${n}`);
  fs.mkdirSync(base, { recursive: true });
  for (const [name, text] of Object.entries(c.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(base, name)), { recursive: true });
    // included paths are relative to the main file's directory, so nested files name sub/ again
    fs.writeFileSync(path.join(base, name), text);
  }
  const file = path.join(base, 'main.conf');
  fs.writeFileSync(file, c.conf);
  return file;
}

function lighttpd(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('lighttpd', args, { encoding: 'utf8', cwd: process.cwd(), timeout: 10000 });
  if (r.error !== undefined) {
    throw new Error(`lighttpd could not be run (${r.error.message}); it is a Debian package CI installs: apt-get install lighttpd`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function ours(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, defaultHooks, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readStdin: () => '',
  });
  return { status, stdout, stderr };
}

describe('httpd-ts -t and lighttpd -t agree', () => {
  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const file = writeCase(c, i);
    const theirs = lighttpd(['-t', '-f', file]);
    const mine = await ours(['-t', '-f', file]);
    expect({ lighttpd: theirs.status === 0 }).toEqual({ lighttpd: c.valid });
    expect({ httpdTs: mine.status === 0, stderr: mine.status === 0 ? '' : 'non-empty' }).toEqual({
      httpdTs: c.valid,
      stderr: c.valid ? '' : 'non-empty',
    });
    if (c.valid) expect(mine.stdout).toBe('Syntax OK\n');
    else expect(mine.stderr).toMatch(/HTTPD_ERR_CONFIG_[A-Z]+/);
  });
});

describe('httpd-ts -p prints what lighttpd -p prints', () => {
  it.each(P_CASES)('%s', async (name) => {
    const i = CASES.findIndex((c) => c.name === name);
    const file = writeCase(CASES[i] as Case, 1000 + i);
    const withoutPid = (s: string): string => s.replace(/^ *var\.PID *= \d+\n/m, '');
    const theirs = lighttpd(['-p', '-f', file]);
    const mine = await ours(['-p', '-f', file]);
    expect(theirs.status).toBe(0);
    expect(mine.status).toBe(0);
    expect(withoutPid(mine.stdout)).toBe(withoutPid(theirs.stdout));
  });
});

describe('the lighttpd.conf Debian ships with its lighttpd package', () => {
  const debian = '/etc/lighttpd/lighttpd.conf';

  it('is valid for both and prints identically with -p (include_shell, conf-enabled globs, +=)', async () => {
    expect(fs.existsSync(debian)).toBe(true);
    const withoutPid = (s: string): string => s.replace(/^ *var\.PID *= \d+\n/m, '');
    const theirs = lighttpd(['-p', '-f', debian]);
    const mine = await ours(['-p', '-f', debian]);
    expect(theirs.status).toBe(0);
    expect(mine.status).toBe(0);
    expect(withoutPid(mine.stdout)).toBe(withoutPid(theirs.stdout));
  });
});
