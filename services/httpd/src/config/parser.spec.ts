// White-box tests of the lighttpd.conf parser: operators, blocks, else chains, variables,
// includes and include_shell, and errors that name file:line (also from included files).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './errors';
import { parseConfigFile, parseConfigString, type ParseOptions } from './parser';
import type { ConfigTree } from './tree';
import { toPlain } from './values';

const OPTS: ParseOptions = { env: { HOME: '/home/x', PORT: '8081' }, cwd: '/srv', pid: 42 };
const parse = (text: string, source = '/etc/httpd-ts/httpd.conf'): ConfigTree => parseConfigString(text, source, OPTS);
const g = (t: ConfigTree, key: string): unknown => {
  const d = t.global.directives.get(key);
  return d === undefined ? undefined : toPlain(d.value);
};

function parseError(text: string, source = '/etc/httpd-ts/httpd.conf'): ConfigError {
  try {
    parse(text, source);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('values and operators', () => {
  it('parses strings, integers, arrays and key => value arrays (nested)', () => {
    const t = parse(
      'server.port = 8080\nserver.tag = "a \\"quoted\\" \\n tag"\nindex-file.names = ( "index.html", "index.htm", )\n' +
        'mimetype.assign = ( ".html" => "text/html", ".css" => "text/css" )\nx.y = ( "a" => ( "b" => ( 1, 2 ) ) )\n',
    );
    expect(g(t, 'server.port')).toBe(8080);
    // only \" is an escape; \n stays a backslash and an n, as in lighttpd
    expect(g(t, 'server.tag')).toBe('a "quoted" \\n tag');
    expect(g(t, 'index-file.names')).toEqual(['index.html', 'index.htm']);
    expect(g(t, 'mimetype.assign')).toEqual([
      ['.html', 'text/html'],
      ['.css', 'text/css'],
    ]);
    expect(g(t, 'x.y')).toEqual([['a', [['b', [1, 2]]]]]);
  });

  it('concatenates with +: string+string, string+int, int+string, int+int, array+array', () => {
    const t = parse('a = "x" + "y"\nb = "port" + 80\nc = 80 + "/x"\nd = 1 + 2\ne = ( "a" ) + ( "b", "c" )\n');
    expect(g(t, 'var.a')).toBe('xy');
    expect(g(t, 'var.b')).toBe('port80');
    expect(g(t, 'var.c')).toBe('80/x');
    expect(g(t, 'var.d')).toBe(3);
    expect(g(t, 'var.e')).toEqual(['a', 'b', 'c']);
  });

  it('appends with += to arrays and strings, reordering keys as lighttpd does', () => {
    const t = parse('a.list = ( "x" )\nb.s = "pre"\nk.k = 1\nk.k := 2\na.list += ( "y" )\nb.s += "-post"\nc.new += ( "only" )\n');
    expect(g(t, 'a.list')).toEqual(['x', 'y']);
    expect(g(t, 'b.s')).toBe('pre-post');
    expect(g(t, 'c.new')).toEqual(['only']);
    // := keeps the position; += takes the key out (the last key fills its slot) and appends it
    expect([...t.global.directives.keys()]).toEqual(['var.CWD', 'var.PID', 'k.k', 'a.list', 'b.s', 'c.new']);
  });

  it(':= replaces an existing key, = on an existing key is an error', () => {
    const t = parse('server.max-fds = 10\nserver.max-fds := 20\n');
    expect(g(t, 'server.max-fds')).toBe(20);
    const e = parseError('server.port = 80\nserver.port = 81\n');
    expect(e.code).toBe('HTTPD_ERR_CONFIG_VALUE');
    expect(e.message).toContain('duplicate config variable "server.port"');
    expect(e.location).toEqual({ file: '/etc/httpd-ts/httpd.conf', line: 2 });
  });

  it('rejects += between incompatible types and duplicate array keys', () => {
    expect(parseError('x = ( "a" )\nx += "b"\n').code).toBe('HTTPD_ERR_CONFIG_VALUE');
    expect(parseError('x = ( "a" => 1, "a" => 2 )\n').message).toContain('duplicate array-key: a');
    expect(parseError('x = ( "a" => 1 ) + ( "a" => 2 )\n').message).toContain("duplicate array-key 'a'");
    // an identical pair is tolerated, with a note
    const t = parse('x = ( "a" => 1 ) + ( "a" => 1 )\n');
    expect(g(t, 'var.x')).toEqual([['a', 1]]);
    expect(t.notes[0]).toContain("Duplicate array-key 'a'");
  });

  it('expands var.* (and bare names) and env.*; undefined ones are errors', () => {
    const t = parse('var.base = "/srv/www"\nroot = var.base + "/htdocs"\nserver.document-root = root\nserver.tag = env.HOME\nserver.port = env.PORT\n');
    expect(g(t, 'var.root')).toBe('/srv/www/htdocs');
    expect(g(t, 'server.document-root')).toBe('/srv/www/htdocs');
    expect(g(t, 'server.tag')).toBe('/home/x');
    expect(g(t, 'server.port')).toBe('8081');
    expect(g(t, 'var.CWD')).toBe('/srv');
    expect(g(t, 'var.PID')).toBe(42);
    expect(parseError('x = y\n').message).toContain('undefined config variable: var.y');
    expect(parseError('x = env.NOT_THERE\n').message).toContain('undefined env variable: NOT_THERE');
    expect(parseError('env.X = "1"\n').message).toContain('setting env variable is not supported');
  });

  it('accepts several statements on one line and comments anywhere', () => {
    const t = parse('# head\nserver.port = 80 server.tag = "t" # trailing\n  # indented\nx = ( # in a list\n "a", # more\n "b" )\n');
    expect(g(t, 'server.port')).toBe(80);
    expect(g(t, 'server.tag')).toBe('t');
    expect(g(t, 'var.x')).toEqual(['a', 'b']);
  });
});

describe('conditions', () => {
  it('builds every operator and subject, simplifying anchored regexes like lighttpd', () => {
    const t = parse(
      [
        '$HTTP["host"] == "example.org" { a.a = 1 }',
        '$HTTP["url"] != "/x" { a.b = 1 }',
        '$HTTP["url"] =~ "^/(a|b)/" { a.c = 1 }',
        '$HTTP["querystring"] !~ "debug" { a.d = 1 }',
        '$HTTP["remoteip"] =^ "10.0.0.1" { a.e = 1 }',
        '$HTTP["scheme"] =$ "s" { a.f = 1 }',
        '$HTTP["url"] =~ "\\.php$" { a.g = 1 }',
        '$HTTP["url"] =~ "^/exact$" { a.h = 1 }',
        '$HTTP["useragent"] =~ "curl" { a.i = 1 }',
        '$REQUEST_HEADER["X-Forwarded-Proto"] == "https" { a.j = 1 }',
        '$SERVER["socket"] == "127.0.0.1:8443" { a.k = 1 }',
        '$HTTP["request-method"] == "POST" { a.l = 1 }',
        '$HTTP["cookie"] =~ "s=1" { a.m = 1 }',
        '$HTTP["language"] =^ "de" { a.n = 1 }',
        '$HTTP["referer"] == "" { a.o = 1 }',
      ].join('\n'),
    );
    const conds = t.conditionals.map((c) => c.condition?.text);
    expect(conds).toEqual([
      '$HTTP["host"] == "example.org"',
      '$HTTP["url"] != "/x"',
      '$HTTP["url"] =~ "^/(a|b)/"',
      '$HTTP["querystring"] !~ "debug"',
      '$HTTP["remoteip"] =^ "10.0.0.1"',
      '$HTTP["scheme"] =$ "s"',
      '$HTTP["url"] =$ ".php"',
      '$HTTP["url"] == "/exact"',
      '$HTTP["useragent"] =~ "curl"',
      '$REQUEST_HEADER["X-Forwarded-Proto"] == "https"',
      '$SERVER["socket"] == "127.0.0.1:8443"',
      '$HTTP["request-method"] == "POST"',
      '$HTTP["cookie"] =~ "s=1"',
      '$HTTP["language"] =^ "de"',
      '$HTTP["referer"] == ""',
    ]);
    expect(t.conditionals[8]?.condition?.subject).toEqual({ kind: 'request-header', name: 'User-Agent' });
    expect(t.conditionals[9]?.condition?.subject).toEqual({ kind: 'request-header', name: 'X-Forwarded-Proto' });
    expect(t.conditionals[10]?.condition?.subject).toEqual({ kind: 'server-socket' });
    expect(t.conditionals[2]?.condition?.regex?.test('/b/x')).toBe(true);
    expect(t.conditionals.every((c) => c.parent === 0)).toBe(true);
  });

  it('nests blocks with parents, children and the context that provides %1 captures', () => {
    const t = parse('$HTTP["host"] =~ "^(www\\.)?(.*)$" {\n  $HTTP["url"] =^ "/a" {\n    url.x = ( "%2" )\n  }\n}\n');
    const [outer, inner] = t.conditionals;
    expect(inner?.parent).toBe(outer?.index);
    expect(outer?.children).toEqual([inner?.index]);
    expect(inner?.captureContext).toBe(outer?.index);
    expect(t.global.captureContext).toBeNull();
    // values keep %N as written; substitution happens per request in the modules
    expect(toPlain(inner?.directives.get('url.x')?.value ?? { type: 'string', value: '' })).toEqual(['%2']);
  });

  it('links else and else-if chains (with or without a newline before else)', () => {
    const t = parse('$HTTP["host"] == "a" { x.a = 1 }\nelse $HTTP["host"] == "b" { x.b = 1 }\n\nelse { x.c = 1 }\n$HTTP["url"] == "/" { x.d = 1 } else { x.e = 1 }\n');
    const [a, b, c, d, e] = t.conditionals;
    expect([a?.prev, a?.next]).toEqual([null, b?.index]);
    expect([b?.prev, b?.next]).toEqual([a?.index, c?.index]);
    expect(c?.kind).toBe('else');
    expect(c?.condition).toBeNull();
    expect(c?.prev).toBe(b?.index);
    expect(d?.next).toBe(e?.index);
    expect(e?.kind).toBe('else');
  });

  it('reuses the block of an identical condition, as upstream does', () => {
    const t = parse('$HTTP["url"] == "/a" { x.a = 1 }\n$HTTP["url"] == "/a" { x.b = 2 }\n');
    expect(t.conditionals).toHaveLength(1);
    expect([...(t.conditionals[0]?.directives.keys() ?? [])]).toEqual(['x.a', 'x.b']);
  });

  it('lets variables inside a block see the enclosing scopes, and += copy from them', () => {
    const t = parse('var.root = "/srv"\nlist.x = ( "a" )\n$HTTP["host"] == "h" {\n  server.document-root = var.root + "/h"\n  list.x += ( "b" )\n}\n');
    const block = t.conditionals[0];
    expect(toPlain(block?.directives.get('server.document-root')?.value ?? { type: 'string', value: '' })).toBe('/srv/h');
    expect(toPlain(block?.directives.get('list.x')?.value ?? { type: 'string', value: '' })).toEqual(['a', 'b']);
    expect(g(t, 'list.x')).toEqual(['a']);
  });

  it('global { } adds to the global scope from anywhere at top level', () => {
    const t = parse('global {\n  server.max-worker = 2\n}\n');
    expect(g(t, 'server.max-worker')).toBe(2);
  });

  it('rejects bad conditions with codes and lines', () => {
    expect(parseError('\n$HTTP["nope"] == "a" {}\n').code).toBe('HTTPD_ERR_CONFIG_CONDITION');
    expect(parseError('$SERVER["host"] == "a" {}\n').message).toContain('unknown condition $SERVER["host"]');
    const re = parseError('x = 1\n$HTTP["url"] =~ "(" {}\n');
    expect(re.code).toBe('HTTPD_ERR_CONFIG_CONDITION');
    expect(re.location?.line).toBe(2);
    expect(parseError('$HTTP["url"] == 5 {}\n').message).toContain('must be a string');
    expect(parseError('$HTTP["url"] !^ "a" {}\n').code).toBe('HTTPD_ERR_CONFIG_SYNTAX');
    expect(parseError('$HTTP["url"] == "a" {} else {} else {}\n').message).toContain('unreachable condition following else');
    expect(parseError('global { $HTTP["url"] == "a" {} }\n').message).toContain('inside a global');
  });
});

describe('syntax errors', () => {
  it.each([
    ['x = "unterminated\n', 1, 'missing closing quote'],
    ['server.port 80\n', 1, 'expected "=", ":=" or "+="'],
    ['x = \n', 1, 'expected a value (string, number, ( array ) or variable), got end of line'],
    ['x = ( "a" "b" )\n', 1, 'expected "," or ")"'],
    ["x = 'a'\n", 1, 'invalid character'],
    ['$HTTP["url"] == "a" {\n x = 1\n', 3, 'expected "}"'],
    ['}\n', 1, 'unexpected "}"'],
    ['x = "a" "b"\n', 1, 'got string "b"'],
    ['x = ( "a" = "b" )\n', 1, 'use => for assignments in arrays'],
    ['x = 99999999999\n', 1, 'error parsing number'],
  ])('%j fails at line %d: %s', (text, line, what) => {
    const e = parseError(text);
    expect(['HTTPD_ERR_CONFIG_SYNTAX', 'HTTPD_ERR_CONFIG_VALUE']).toContain(e.code);
    expect(e.location).toEqual({ file: '/etc/httpd-ts/httpd.conf', line });
    expect(e.message).toContain(what);
    expect(e.message).toContain(`/etc/httpd-ts/httpd.conf:${line}`);
  });
});

describe('include and include_shell', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'httpd-conf-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, text: string): string => {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    return p;
  };

  it('includes files relative to the main file directory, globs sorted, into the current block', () => {
    write('conf.d/20-b.conf', 'b.key = 2\n');
    write('conf.d/10-a.conf', 'a.key = 1\n');
    write('vhost.conf', 'server.document-root = "/v"\n');
    const main = write('main.conf', 'include "conf.d/*.conf"\n$HTTP["host"] == "v" {\n  include "vhost.conf"\n}\n');
    const t = parseConfigFile(main, { ...OPTS, cwd: '/' });
    expect(g(t, 'a.key')).toBe(1);
    expect(g(t, 'b.key')).toBe(2);
    expect([...t.global.directives.keys()].slice(2)).toEqual(['a.key', 'b.key']);
    expect(t.conditionals[0]?.directives.get('server.document-root')?.file).toBe(path.join(dir, 'vhost.conf'));
    expect(t.files).toEqual([main, path.join(dir, 'conf.d/10-a.conf'), path.join(dir, 'conf.d/20-b.conf'), path.join(dir, 'vhost.conf')]);
  });

  it('accepts a glob that matches nothing but not a missing plain file', () => {
    const ok = write('ok.conf', 'include "empty.d/*.conf"\nx = 1\n');
    expect(g(parseConfigFile(ok, OPTS), 'var.x')).toBe(1);
    const bad = write('bad.conf', 'x = 1\ninclude "missing.conf"\n');
    let err: unknown;
    try {
      parseConfigFile(bad, OPTS);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('HTTPD_ERR_CONFIG_INCLUDE');
    expect((err as ConfigError).message).toContain(`include file not found: ${dir}/missing.conf in ${bad}:2`);
  });

  it('reports errors inside an included file with that file and line', () => {
    write('inc/broken.conf', '# fine\n\nserver.port = = 80\n');
    const main = write('main.conf', 'include "inc/broken.conf"\n');
    let err: unknown;
    try {
      parseConfigFile(main, OPTS);
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).code).toBe('HTTPD_ERR_CONFIG_SYNTAX');
    expect((err as ConfigError).location).toEqual({ file: `${dir}/inc/broken.conf`, line: 3 });
  });

  it('stops include loops', () => {
    const main = write('loop.conf', 'include "loop.conf"\n');
    expect(() => parseConfigFile(main, OPTS)).toThrow(/nested deeper/);
  });

  it('parses the output of include_shell, run by /bin/sh in the config directory', () => {
    write('generated.txt', 'server.tag = "from-file"\n');
    const main = write('main.conf', 'include_shell "cat generated.txt; echo server.port = 81"\n');
    const t = parseConfigFile(main, { ...OPTS, env: { PATH: process.env.PATH } });
    expect(g(t, 'server.tag')).toBe('from-file');
    expect(g(t, 'server.port')).toBe(81);
  });

  it('fails when the include_shell command exits non-zero', () => {
    const main = write('main.conf', 'include_shell "exit 3"\n');
    expect(() => parseConfigFile(main, { ...OPTS, env: { PATH: process.env.PATH } })).toThrow(/exited non-zero: 3/);
  });

  it('says which main file could not be opened', () => {
    let err: unknown;
    try {
      parseConfigFile(path.join(dir, 'nope.conf'), OPTS);
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).code).toBe('HTTPD_ERR_CONFIG_OPEN');
  });
});

describe('the tree is frozen', () => {
  it('refuses changes to contexts and directive maps', () => {
    const t = parse('x.y = 1\n$HTTP["url"] == "/" { x.z = 2 }\n');
    expect(Object.isFrozen(t)).toBe(true);
    expect(Object.isFrozen(t.conditionals[0])).toBe(true);
    expect(() => (t.global.directives as Map<string, unknown>).set('a', 1)).toThrow(TypeError);
  });
});
