// Loader tests: built-ins by name, a real third-party JavaScript module from a temporary -m
// directory, catalogued errors for unknown or broken modules, and lighttpd's implicit module rules.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HandlerResult } from '@libs/fdevent';
import type { ServiceLog } from '@libs/log';
import { PluginDispatcher } from './dispatcher';
import { compatModuleLoad, loadPlugins } from './loader';
import type { PluginFactory } from './plugin';

const warnings: string[] = [];
const log: ServiceLog = { error: () => undefined, warn: (m) => void warnings.push(m), notice: () => undefined, info: () => undefined, debug: () => undefined };
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plugins-'));
  warnings.length = 0;
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const builtins = new Map<string, PluginFactory<{ calls: string[] }>>([
  ['mod_staticfile', () => ({ name: 'mod_staticfile', handleSubrequestStart: (r) => (r.calls.push('static'), HandlerResult.Finished) })],
]);

test('loads built-ins and a CommonJS module from the module directory, in server.modules order', () => {
  fs.writeFileSync(
    path.join(dir, 'mod_hello.js'),
    `module.exports = { name: 'mod_hello', handleUriClean(r) { r.calls.push('hello'); return 'go-on'; } };\n`,
  );
  fs.writeFileSync(path.join(dir, 'mod_factory.js'), `exports.default = () => ({ handleUriClean(r) { r.calls.push('factory'); return 'finished'; } });\n`);
  const plugins = loadPlugins({ modules: ['mod_hello', 'mod_factory', 'mod_staticfile', 'mod_hello'], builtins, moduleDir: dir, log });
  expect(plugins.map((p) => p.name)).toEqual(['mod_hello', 'mod_factory', 'mod_staticfile']);
  expect(warnings.join('\n')).toMatch(/mod_hello more than once/);
  const d = new PluginDispatcher(plugins);
  const r = { calls: [] as string[] };
  expect(d.callRequest('handleUriClean', r)).toBe(HandlerResult.Finished);
  expect(r.calls).toEqual(['hello', 'factory']);
});

test('an unknown module is a catalogued error naming it', () => {
  expect(() => loadPlugins({ modules: ['mod_nope'], builtins, moduleDir: dir, log })).toThrow(
    expect.objectContaining({ code: 'PLUGINS_ERR_MODULE_UNKNOWN', message: expect.stringContaining('mod_nope') }),
  );
  expect(() => loadPlugins({ modules: ['../etc/passwd'], builtins, moduleDir: dir, log })).toThrow(expect.objectContaining({ code: 'PLUGINS_ERR_MODULE_UNKNOWN' }));
});

test('a module that fails to load or is not a plugin is refused', () => {
  fs.writeFileSync(path.join(dir, 'mod_broken.js'), 'module.exports = {;\n');
  fs.writeFileSync(path.join(dir, 'mod_odd.js'), 'module.exports = { handleUriClean: 42 };\n');
  expect(() => loadPlugins({ modules: ['mod_broken'], builtins, moduleDir: dir, log })).toThrow(expect.objectContaining({ code: 'PLUGINS_ERR_MODULE_LOAD' }));
  expect(() => loadPlugins({ modules: ['mod_odd'], builtins, moduleDir: dir, log })).toThrow(expect.objectContaining({ code: 'PLUGINS_ERR_MODULE_INVALID' }));
});

describe('compatModuleLoad (lighttpd 1.4.69 implicit module rules)', () => {
  const enabled = (...keys: string[]) => (k: string) => keys.includes(k);

  test('mod_staticfile is appended; mod_indexfile and mod_dirlisting only when their directives are on', () => {
    expect(compatModuleLoad(['mod_rewrite', 'mod_fastcgi'], { isEnabled: enabled() })).toEqual(['mod_rewrite', 'mod_fastcgi', 'mod_staticfile']);
    expect(compatModuleLoad(['mod_rewrite'], { isEnabled: enabled('index-file.names', 'dir-listing.activate') })).toEqual([
      'mod_indexfile',
      'mod_rewrite',
      'mod_dirlisting',
      'mod_staticfile',
    ]);
    // listed but unused: dropped, as upstream avoids loading them
    expect(compatModuleLoad(['mod_indexfile', 'mod_dirlisting', 'mod_access'], { isEnabled: enabled() })).toEqual(['mod_access', 'mod_staticfile']);
  });

  test('mod_compress becomes mod_deflate, duplicates go, mod_auth moves before its backends', () => {
    expect(compatModuleLoad(['mod_compress', 'mod_deflate', 'mod_authn_file', 'mod_auth'], { isEnabled: enabled() })).toEqual([
      'mod_auth',
      'mod_deflate',
      'mod_authn_file',
      'mod_staticfile',
    ]);
    expect(compatModuleLoad(['mod_vhostdb_dbi'], { isEnabled: enabled() })).toEqual(['mod_vhostdb', 'mod_vhostdb_dbi', 'mod_staticfile']);
  });

  test('ssl.* keys append mod_openssl and a file auth.backend appends mod_authn_file, each with lighttpd\'s warning', () => {
    const ssl = (p: string): boolean => p === 'ssl.';
    const plain = (k: string, v: string): boolean => k === 'auth.backend' && v === 'plain';
    expect(compatModuleLoad([], { isEnabled: enabled(), hasKeyPrefix: ssl, log })).toEqual(['mod_staticfile', 'mod_openssl']);
    expect(warnings.pop()).toContain('please add "mod_openssl" to server.modules');
    expect(compatModuleLoad(['mod_gnutls'], { isEnabled: enabled(), hasKeyPrefix: ssl })).toEqual(['mod_gnutls', 'mod_staticfile']);
    expect(compatModuleLoad(['mod_auth'], { isEnabled: enabled(), hasValue: plain, log })).toEqual(['mod_auth', 'mod_staticfile', 'mod_authn_file']);
    expect(warnings.pop()).toContain('auth.backend = "plain"');
    expect(compatModuleLoad(['mod_auth', 'mod_authn_file'], { isEnabled: enabled(), hasValue: plain })).toEqual(['mod_auth', 'mod_authn_file', 'mod_staticfile']);
  });

  test('a backend after mod_staticfile is warned about; compat-module-load = disable keeps the list', () => {
    compatModuleLoad(['mod_staticfile', 'mod_fastcgi'], { isEnabled: enabled(), log });
    expect(warnings).toEqual(['Warning: mod_fastcgi should be listed in server.modules before mod_staticfile']);
    expect(compatModuleLoad(['mod_fastcgi'], { enabled: false, isEnabled: enabled('index-file.names') })).toEqual(['mod_fastcgi']);
  });
});
