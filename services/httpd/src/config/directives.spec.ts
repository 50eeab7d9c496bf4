// Tests of directive descriptors: type checks with "directive, file, line" errors, scope warnings,
// unknown keys only when no loaded module claims them, module registration.
import { createCoreRegistry } from './core-directives';
import { DirectiveRegistry, checkValue, validateConfig } from './directives';
import { parseConfigString } from './parser';
import { arr, int, str } from './values';

const FILE = '/etc/httpd-ts/httpd.conf';
const parse = (text: string) => parseConfigString(text, FILE, { env: {}, cwd: '/', pid: 1 });

describe('validateConfig', () => {
  it('types core values: short, int, boolean, string, lists', () => {
    const tree = parse(
      'server.port = 8080\nserver.max-request-size = "2048"\nserver.follow-symlink = "disable"\nserver.range-requests = "Enable"\n' +
        'server.tag = "t"\nindex-file.names = ( "index.html" )\nmimetype.assign = ( ".txt" => "text/plain" )\netag.use-inode = 0\n',
    );
    // a module's table, as the server registers the always-loaded ones (server/plugins.ts createRegistry)
    const registry = createCoreRegistry().register('mod_indexfile', [{ key: 'index-file.names', type: 'array-string', scope: 'connection' }]);
    const r = validateConfig(tree, registry);
    expect(r.errors).toEqual([]);
    const v = r.contexts[0]?.values;
    expect(v?.get('server.port')?.value).toBe(8080);
    expect(v?.get('server.max-request-size')?.value).toBe(2048);
    expect(v?.get('server.follow-symlink')?.value).toBe(false);
    expect(v?.get('server.range-requests')?.value).toBe(true);
    expect(v?.get('etag.use-inode')?.value).toBe(false);
    expect(v?.get('index-file.names')?.value).toEqual(['index.html']);
    expect(v?.get('mimetype.assign')?.value).toEqual([['.txt', 'text/plain']]);
    expect(v?.get('server.port')).toMatchObject({ owner: 'core', file: FILE, line: 1 });
    expect(v?.get('index-file.names')?.owner).toBe('mod_indexfile');
  });

  it('names the directive, the file and the line of a wrong value', () => {
    const tree = parse('server.document-root = "/srv"\n\n\n\n\n\n\n\n\n\n\nserver.port = "eighty"\n');
    const r = validateConfig(tree, createCoreRegistry());
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]?.code).toBe('HTTPD_ERR_CONFIG_TYPE');
    expect(r.errors[0]?.message).toBe(`"server.port" is not a number in ${FILE}:12`);
  });

  it.each([
    // a string is read with strtol and range-checked (lighttpd: "got a string but expected a short")
    ['server.port = "70000"', 'is out of range (0 ... 65535)'],
    ['server.tag = 5', 'is not a string'],
    ['server.follow-symlink = "maybe"', 'is not a boolean'],
    ['mimetype.assign = ( "a", "b" )', 'is not a list of key => string values'],
    ['server.modules = ( "a" => "b" )', 'is not a list of strings'],
    ['server.feature-flags = ( "x" )', 'is not a list of key => value entries'],
    ['server.upload-dirs = "/tmp"', 'is not a list of strings'],
  ])('%s: %s', (line, detail) => {
    const r = validateConfig(parse(`${line}\n`), createCoreRegistry());
    expect(r.errors.map((e) => e.code)).toEqual(['HTTPD_ERR_CONFIG_TYPE']);
    expect(r.errors[0]?.message).toContain(detail);
    expect(r.errors[0]?.message).toContain(`${FILE}:1`);
  });

  it('takes an integer beyond 65535 for a short as lighttpd does (its low 16 bits) and warns with that value', () => {
    const shorts = createCoreRegistry()
      .table('core')
      .filter((d) => d.type === 'short')
      .map((d) => d.key);
    expect(shorts).toContain('server.max-keep-alive-requests');
    for (const key of shorts) {
      const r = validateConfig(parse(`${key} = 100000\n`), createCoreRegistry());
      expect(r.errors).toEqual([]);
      expect(r.contexts[0]?.values.get(key)?.value).toBe(34464);
      expect(r.warnings).toEqual([
        `WARNING: ${key} = 100000 is out of range (0 ... 65535); taken as 34464 (its low 16 bits, as lighttpd does) (${FILE}:1)`,
      ]);
    }
    const inBlock = validateConfig(parse('$HTTP["host"] == "a" {\n  server.max-keep-alive-requests = 65538\n}\n'), createCoreRegistry());
    expect(inBlock.contexts[1]?.values.get('server.max-keep-alive-requests')?.value).toBe(2);
  });

  it('checks values inside conditions and warns about server options there', () => {
    const tree = parse('$HTTP["host"] == "a" {\n  server.port = 81\n  server.max-keep-alive-idle = "x"\n}\n');
    const r = validateConfig(tree, createCoreRegistry());
    expect(r.warnings).toEqual([`DEPRECATED: do not set server options in conditionals, variable: server.port (${FILE}:2)`]);
    expect(r.errors[0]?.message).toBe(`"server.max-keep-alive-idle" is not a number in ${FILE}:3`);
  });

  it("warns about unknown keys in lighttpd's words, ignoring var.*, and counts only loaded modules' keys", () => {
    const registry = createCoreRegistry().register('mod_expire', [{ key: 'expire.url', type: 'array-kv-string', scope: 'connection' }]);
    const tree = parse('var.mine = 1\nfoo.bar = 1\nexpire.url = ( "/" => "access plus 1 days" )\n');
    const without = validateConfig(tree, registry, { owners: ['mod_indexfile'], warnUnknown: true });
    expect(without.warnings).toEqual(['WARNING: unknown config-key: foo.bar (ignored)', 'WARNING: unknown config-key: expire.url (ignored)']);
    const withIt = validateConfig(tree, registry, { owners: ['mod_expire'], warnUnknown: true });
    expect(withIt.warnings).toEqual(['WARNING: unknown config-key: foo.bar (ignored)']);
    expect(withIt.contexts[0]?.values.get('expire.url')?.value).toEqual([['/', 'access plus 1 days']]);
  });
});

describe('DirectiveRegistry', () => {
  it('refuses a key claimed by two owners', () => {
    const r = new DirectiveRegistry().register('mod_a', [{ key: 'a.x', type: 'string', scope: 'connection' }]);
    expect(() => r.register('mod_b', [{ key: 'a.x', type: 'string', scope: 'connection' }])).toThrow(/already registered by mod_a/);
    expect(r.table('mod_a').map((d) => d.key)).toEqual(['a.x']);
  });
});

describe('checkValue', () => {
  it('accepts numeric strings for numbers (values from env.*) and integers for booleans', () => {
    expect(checkValue({ key: 'k', type: 'short', scope: 'server' }, str('8080'))).toEqual({ ok: true, value: 8080 });
    expect(checkValue({ key: 'k', type: 'short', scope: 'server' }, str('80x')).ok).toBe(false);
    expect(checkValue({ key: 'k', type: 'boolean', scope: 'server' }, int(2))).toEqual({ ok: true, value: true });
    expect(checkValue({ key: 'k', type: 'array-kv-array', scope: 'server' }, arr([{ key: 'a', value: arr([]) }])).ok).toBe(true);
  });
});
