// server.modules as httpd-ts loads them (lighttpd 1.4.69 plugin.c plugins_load, plugins_call_init /
// set_defaults): built-in modules by name, third-party JavaScript modules from the -m directory
// through @libs/plugins' loadPlugins, and the -tt loader that initialises them for real.
import fs from 'node:fs';
import path from 'node:path';
import type { ServiceLog } from '@libs/log';
import { loadPlugins, PluginDispatcher, PluginsError, type DirectiveScope as PluginScope } from '@libs/plugins';
import { KNOWN_MODULES, type ModuleLoader } from '../cli/hooks';
import { CliError, unknownModules } from '../cli/errors';
import type { DirectiveDescriptor, DirectiveScope } from '../config';
import type { HttpConnection } from '../connection/connection';
import type { Request } from '../connection/request';
import type { HttpPlugin, HttpPluginFactory } from '../modules/http-plugin';
import { createModDirlisting } from '../modules/mod-dirlisting';
import { createModIndexfile } from '../modules/mod-indexfile';
import { createModStaticfile } from '../modules/mod-staticfile';
import { isSocketCondition } from './conditions';
import type { HttpServer } from './http-server';

function builtinTable(): ReadonlyMap<string, HttpPluginFactory> {
  const m = new Map<string, HttpPluginFactory>([
    ['mod_indexfile', createModIndexfile],
    ['mod_dirlisting', createModDirlisting],
    ['mod_staticfile', createModStaticfile],
  ]);
  // lighttpd modules httpd-ts accepts by name but does not implement yet: loaded as plugins
  // without hooks or directives, so their keys stay unknown (and -tt says so)
  for (const name of KNOWN_MODULES) if (!m.has(name)) m.set(name, () => ({ name }));
  return m;
}

/** Built-in modules by server.modules name. */
export const BUILTIN_MODULES: ReadonlyMap<string, HttpPluginFactory> = builtinTable();

/** Instantiates server.modules (already through compatModuleLoad) in order; throws PluginsError. */
export function loadHttpPlugins(modules: readonly string[], moduleDir: string | null, log: ServiceLog): HttpPlugin[] {
  return loadPlugins<Request, HttpConnection, HttpServer>({
    modules,
    builtins: BUILTIN_MODULES,
    ...(moduleDir !== null ? { moduleDir } : {}),
    log,
  });
}

const scopeOf = (s: PluginScope): DirectiveScope => (s === 'server' ? 'server' : 'connection');

const silentLog: ServiceLog = { error: () => undefined, warn: () => undefined, notice: () => undefined, info: () => undefined, debug: () => undefined };

/**
 * -tt: loads every module (built-in or from -m), registers the directive tables of modules the
 * registry does not know yet (so their keys count as known), then compiles each table against the
 * config and runs setDefaults, as lighttpd's preflight check does.
 */
export const loadModulesForTest: ModuleLoader = async (modules, ctx) => {
  const dir = ctx.options.moduleDir;
  const unknown = modules.filter((m) => !BUILTIN_MODULES.has(m) && (dir === null || !fs.existsSync(path.join(dir, `${m}.js`))));
  if (unknown.length > 0) return unknownModules(unknown);
  let plugins: HttpPlugin[];
  try {
    plugins = loadHttpPlugins(modules, dir, silentLog);
  } catch (e) {
    if (!(e instanceof PluginsError)) throw e;
    return new CliError('HTTPD_ERR_MODULE_UNKNOWN', `loading plugins finally failed: ${e.message} (${e.code})`);
  }
  const owners = new Set(ctx.registry.owners());
  for (const p of plugins) {
    if (owners.has(p.name) || p.directives === undefined) continue;
    const table: DirectiveDescriptor[] = p.directives.map((d) => ({ key: d.key, type: d.type, scope: scopeOf(d.scope) }));
    ctx.registry.register(p.name, table);
  }
  try {
    new PluginDispatcher<Request, HttpConnection, HttpServer>(plugins).setDefaults(ctx.tree, { isSocketCondition });
  } catch (e) {
    if (!(e instanceof PluginsError)) throw e;
    return new CliError('HTTPD_ERR_MODULE_UNKNOWN', `Configuration of plugins failed: ${e.message} (${e.code})`);
  }
  return null;
};
