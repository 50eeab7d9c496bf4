// Loading server.modules (lighttpd plugin.c plugins_load and configfile.c
// config_compat_module_load): built-in modules by name, third-party JavaScript modules from the
// module directory (-m), and lighttpd's implicit module list rules.
import fs from 'node:fs';
import path from 'node:path';
import type { ServiceLog } from '@libs/log';
import { pluginsErrModuleInvalid, pluginsErrModuleLoad, pluginsErrModuleUnknown } from './errors';
import { PLUGIN_HOOKS, type Plugin, type PluginFactory } from './plugin';

export interface LoadPluginsOptions<R, C, S> {
  /** server.modules after compatModuleLoad, in order. */
  readonly modules: readonly string[];
  /** The service's built-in modules by name. */
  readonly builtins: ReadonlyMap<string, PluginFactory<R, C, S>>;
  /** The -m directory: `<dir>/mod_name.js` exports a plugin or a factory. */
  readonly moduleDir?: string;
  readonly log: ServiceLog;
}

const MODULE_NAME = /^mod_[A-Za-z0-9_]+$/;

/** Built-ins win over files of the same name, as lighttpd's static plugins do over dlopen(). */
export function loadPlugins<R, C, S>(options: LoadPluginsOptions<R, C, S>): Plugin<R, C, S>[] {
  const loaded: Plugin<R, C, S>[] = [];
  const seen = new Set<string>();
  for (const name of options.modules) {
    if (seen.has(name)) {
      options.log.warn(`Cannot load plugin ${name} more than once, please fix your config (duplicate ignored)`);
      continue;
    }
    seen.add(name);
    const builtin = options.builtins.get(name);
    const plugin = builtin !== undefined ? builtin() : loadFromDir<R, C, S>(name, options.moduleDir);
    loaded.push(checkPlugin(name, plugin));
  }
  return loaded;
}

function loadFromDir<R, C, S>(name: string, dir: string | undefined): unknown {
  if (dir === undefined || !MODULE_NAME.test(name)) throw pluginsErrModuleUnknown(name, dir);
  const file = path.resolve(dir, `${name}.js`);
  if (!fs.existsSync(file)) throw pluginsErrModuleUnknown(name, dir);
  let exported: unknown;
  try {
    exported = require(file) as unknown;
  } catch (err) {
    throw pluginsErrModuleLoad(name, file, (err as Error).message);
  }
  // CommonJS `module.exports = plugin` or a transpiled `exports.default`
  if (exported !== null && typeof exported === 'object' && 'default' in exported) exported = (exported as { default: unknown }).default;
  if (typeof exported === 'function') {
    try {
      exported = (exported as PluginFactory<R, C, S>)();
    } catch (err) {
      throw pluginsErrModuleLoad(name, file, (err as Error).message);
    }
  }
  return exported;
}

function checkPlugin<R, C, S>(name: string, value: unknown): Plugin<R, C, S> {
  if (value === null || typeof value !== 'object') throw pluginsErrModuleInvalid(name, 'it exports neither a plugin object nor a factory');
  const p = value as Record<string, unknown>;
  if (p['name'] !== undefined && p['name'] !== name) throw pluginsErrModuleInvalid(name, `it calls itself ${String(p['name'])}`);
  for (const hook of PLUGIN_HOOKS) {
    if (p[hook] !== undefined && typeof p[hook] !== 'function') throw pluginsErrModuleInvalid(name, `${hook} is not a function`);
  }
  // a misspelt hook would silently never run: every handle* name must be one of the contract's
  for (const key of Object.keys(p)) {
    const known = (PLUGIN_HOOKS as readonly string[]).includes(key);
    const hookLike = key.startsWith('handle') || PLUGIN_HOOKS.some((h) => h.toLowerCase() === key.toLowerCase());
    if (!known && hookLike) throw pluginsErrModuleInvalid(name, `${key} is not a hook of the plugin contract (${PLUGIN_HOOKS.join(', ')})`);
  }
  if (p['directives'] !== undefined && !Array.isArray(p['directives'])) throw pluginsErrModuleInvalid(name, 'directives is not an array');
  return (p['name'] === undefined ? { ...p, name } : p) as unknown as Plugin<R, C, S>;
}

export interface CompatModuleLoadOptions {
  /** server.compat-module-load (default enabled). */
  readonly enabled?: boolean;
  /** Whether a directive is set to a true value somewhere in the config (index-file.names, dir-listing.activate...). */
  readonly isEnabled: (key: string) => boolean;
  /** Whether some key starting with `prefix` is set somewhere in the config ("ssl."). */
  readonly hasKeyPrefix?: (prefix: string) => boolean;
  /** Whether `key` is set to the string `value` somewhere in the config (auth.backend = "plain"). */
  readonly hasValue?: (key: string, value: string) => boolean;
  readonly log?: ServiceLog;
}

/** Any of these in server.modules stops mod_openssl from being appended for ssl.* keys. */
const TLS_MODULES = ['mod_gnutls', 'mod_mbedtls', 'mod_nss', 'mod_openssl', 'mod_wolfssl'];

const DYNAMIC_BACKENDS = ['mod_ajp13', 'mod_cgi', 'mod_fastcgi', 'mod_proxy', 'mod_scgi', 'mod_sockproxy', 'mod_wstunnel'];

/**
 * lighttpd 1.4.69's implicit server.modules rules (configfile.c config_compat_module_load):
 * - mod_compress is an alias of mod_deflate; duplicates are dropped.
 * - mod_indexfile is prepended when index-file.names (or server.indexfiles) is set and it is not
 *   listed; when neither is set, a listed mod_indexfile is removed.
 * - mod_dirlisting is appended when dir-listing.activate (or server.dir-listing) is enabled and it
 *   is not listed; when neither is enabled, a listed mod_dirlisting is removed.
 * - mod_staticfile is appended when not listed.
 * - mod_auth is prepended when an mod_authn_* is listed before it (or without it);
 *   mod_vhostdb likewise for mod_vhostdb_*.
 * - mod_openssl is appended (with a warning) when any ssl.* key is set and no TLS module is listed.
 * - mod_authn_file is appended (with a warning) when mod_auth is loaded without it and
 *   auth.backend is "htdigest", "htpasswd" or "plain".
 * - a dynamic backend listed after mod_staticfile gets a warning (it will never see requests
 *   mod_staticfile answered first).
 * With server.compat-module-load = "disable" the list is taken as written.
 */
export function compatModuleLoad(modules: readonly string[], options: CompatModuleLoadOptions): string[] {
  const list: string[] = [];
  for (const m of modules) {
    const name = m === 'mod_compress' ? 'mod_deflate' : m;
    if (!list.includes(name)) list.push(name);
  }
  if (options.enabled === false) return list;

  let staticSeen = false;
  let tlsSeen = false;
  let authnFileSeen = false;
  let authSeen = false;
  let prependAuth = false;
  let vhostdbSeen = false;
  let prependVhostdb = false;
  for (const m of list) {
    if (m === 'mod_staticfile') staticSeen = true;
    else if (TLS_MODULES.includes(m)) tlsSeen = true;
    else if (m === 'mod_auth') authSeen = true;
    else if (m.startsWith('mod_auth') && !authSeen) prependAuth = true;
    if (m === 'mod_authn_file') authnFileSeen = true;
    else if (m === 'mod_vhostdb') vhostdbSeen = true;
    else if (m.startsWith('mod_vhostdb') && !vhostdbSeen) prependVhostdb = true;
    else if (staticSeen && DYNAMIC_BACKENDS.some((b) => m.startsWith(b))) {
      options.log?.warn(`Warning: ${m} should be listed in server.modules before mod_staticfile`);
    }
  }

  let out = list;
  if (!options.isEnabled('index-file.names') && !options.isEnabled('server.indexfiles')) out = out.filter((m) => m !== 'mod_indexfile');
  else if (!out.includes('mod_indexfile')) out = ['mod_indexfile', ...out];
  if (!options.isEnabled('dir-listing.activate') && !options.isEnabled('server.dir-listing')) out = out.filter((m) => m !== 'mod_dirlisting');
  else if (!out.includes('mod_dirlisting')) out = [...out, 'mod_dirlisting'];
  if (!out.includes('mod_staticfile')) out = [...out, 'mod_staticfile'];
  if (!tlsSeen && options.hasKeyPrefix?.('ssl.') === true) {
    out = [...out, 'mod_openssl'];
    options.log?.warn(
      'Warning: please add "mod_openssl" to server.modules list in lighttpd.conf.  A future release of lighttpd 1.4.x *will not* automatically load mod_openssl and lighttpd *will not* use SSL/TLS where your lighttpd.conf contains ssl.* directives',
    );
  }
  if (authSeen && !authnFileSeen) {
    const backend = ['htdigest', 'htpasswd', 'plain'].find((v) => options.hasValue?.('auth.backend', v) === true);
    if (backend !== undefined) {
      out = [...out, 'mod_authn_file'];
      options.log?.warn(
        `Warning: please add "mod_authn_file" to server.modules list in lighttpd.conf.  A future release of lighttpd 1.4.x will not automatically load mod_authn_file and lighttpd will fail to start up since your lighttpd.conf uses auth.backend = "${backend}".`,
      );
    }
  }
  if (prependAuth) out = ['mod_auth', ...out.filter((m) => m !== 'mod_auth')];
  if (prependVhostdb) out = ['mod_vhostdb', ...out.filter((m) => m !== 'mod_vhostdb')];
  return out;
}
