// server.modules as httpd-ts loads them (lighttpd 1.4.69 plugin.c plugins_load, plugins_call_init /
// set_defaults): built-in modules by name, third-party JavaScript modules from the -m directory
// through @libs/plugins' loadPlugins, and the -tt loader that initialises them for real.
// A module httpd-ts does not have stops the start, as lighttpd's failed dlopen() does: a config
// that asks for mod_auth or mod_fastcgi must never be served without them.
import fs from 'node:fs';
import path from 'node:path';
import type { ServiceLog } from '@libs/log';
import { loadPlugins, PluginDispatcher, PluginsError, type DirectiveScope as PluginScope, type DirectiveSpec } from '@libs/plugins';
import { createCoreRegistry, validateConfig, type ConfigTree, type DirectiveDescriptor, type DirectiveRegistry, type DirectiveScope } from '../config';
import type { ConnectionView, HttpPlugin, HttpPluginFactory, ServerView } from '../core/plugin';
import type { Request } from '../core/request';
import { ALWAYS_LOADED_MODULES, MODULE_REGISTRY, type ModuleEntry } from '../modules/registry';
import { isSocketCondition } from './conditions';
import { ServeError, serveErrors } from './errors';
import type { ModuleLoader } from './serve-context';
import { LIGHTTPD_MODULES } from './lighttpd-modules';
import { unbuiltFeatures } from './unbuilt-features';

/** The modules httpd-ts builds, by server.modules name: only real ones (modules/registry.ts). */
export const BUILTIN_MODULES: ReadonlyMap<string, HttpPluginFactory> = new Map([...MODULE_REGISTRY.values()].map((e) => [e.name, e.create]));

/** The directive registry of a start: the core table and the always-loaded modules' tables. */
export function createRegistry(): DirectiveRegistry {
  const registry = createCoreRegistry();
  for (const name of ALWAYS_LOADED_MODULES) registerTable(registry, name, (MODULE_REGISTRY.get(name) as ModuleEntry).directives);
  return registry;
}

/**
 * Why these modules cannot be loaded (neither built in nor a `<name>.js` in the -m directory), or
 * null when all can: lighttpd's own module names are "not available in this version".
 */
export function unavailableModules(modules: readonly string[], moduleDir: string | null): string | null {
  const missing = modules.filter((m) => !BUILTIN_MODULES.has(m) && (moduleDir === null || !fs.existsSync(path.join(moduleDir, `${m}.js`))));
  if (missing.length === 0) return null;
  const notBuilt = missing.filter((m) => LIGHTTPD_MODULES.has(m));
  const unknown = missing.filter((m) => !LIGHTTPD_MODULES.has(m));
  const why: string[] = [];
  if (notBuilt.length > 0) {
    why.push(`${notBuilt.join(', ')} ${notBuilt.length === 1 ? 'is' : 'are'} not available in this version of httpd-ts (it has ${[...BUILTIN_MODULES.keys()].join(', ')})`);
  }
  if (unknown.length > 0) why.push(`unknown module(s) ${unknown.join(', ')}${moduleDir === null ? '' : ` (no such file in ${moduleDir})`}`);
  return why.join('; ');
}

/** Instantiates server.modules (already through compatModuleLoad) in order; throws ServeError or PluginsError. */
export function loadHttpPlugins(modules: readonly string[], moduleDir: string | null, log: ServiceLog): HttpPlugin[] {
  const unavailable = unavailableModules(modules, moduleDir);
  if (unavailable !== null) throw serveErrors.pluginsFailed(unavailable);
  return loadPlugins<Request, ConnectionView, ServerView>({
    modules,
    builtins: BUILTIN_MODULES,
    ...(moduleDir !== null ? { moduleDir } : {}),
    log,
  });
}

const scopeOf = (s: PluginScope): DirectiveScope => (s === 'server' ? 'server' : 'connection');

function registerTable(registry: DirectiveRegistry, owner: string, specs: readonly DirectiveSpec[]): void {
  const table: DirectiveDescriptor[] = specs.map((d) => ({ key: d.key, type: d.type, scope: scopeOf(d.scope) }));
  registry.register(owner, table);
}

/** Registers the directive tables of loaded modules the registry does not know yet. */
function registerPluginTables(registry: DirectiveRegistry, plugins: readonly HttpPlugin[]): void {
  const owners = new Set(registry.owners());
  for (const p of plugins) if (!owners.has(p.name) && p.directives !== undefined) registerTable(registry, p.name, p.directives);
}

/**
 * lighttpd's "WARNING: unknown config-key: ... (ignored)" (configfile.c) for every key that no
 * loaded module claims, given the loaded plugins.
 */
export function unknownKeyWarnings(tree: ConfigTree, registry: DirectiveRegistry, plugins: readonly HttpPlugin[]): readonly string[] {
  registerPluginTables(registry, plugins);
  return validateConfig(tree, registry, { owners: ['core', ...plugins.map((p) => p.name)], warnUnknown: true }).warnings.filter((w) =>
    w.startsWith('WARNING: unknown config-key'),
  );
}

const silentLog: ServiceLog = { error: () => undefined, warn: () => undefined, notice: () => undefined, info: () => undefined, debug: () => undefined };

/**
 * -tt: loads every module (built-in or from -m), registers the directive tables of modules the
 * registry does not know yet (so their keys count as known), then compiles each table against the
 * config and runs setDefaults, as lighttpd's preflight check does.
 */
export const loadModulesForTest: ModuleLoader = async (modules, ctx) => {
  const unbuilt = unbuiltFeatures(validateConfig(ctx.tree, ctx.registry, { owners: ['core'] }));
  if (unbuilt !== null) return serveErrors.notAvailable(unbuilt);
  let plugins: HttpPlugin[];
  try {
    plugins = loadHttpPlugins(modules, ctx.options.moduleDir, silentLog);
  } catch (e) {
    if (e instanceof PluginsError) return serveErrors.pluginsFailed(`${e.message} (${e.code})`);
    if (e instanceof ServeError) return e;
    throw e;
  }
  registerPluginTables(ctx.registry, plugins);
  try {
    new PluginDispatcher<Request, ConnectionView, ServerView>(plugins).setDefaults(ctx.tree, { isSocketCondition });
  } catch (e) {
    if (!(e instanceof PluginsError)) throw e;
    return new ServeError('HTTPD_ERR_MODULE_UNKNOWN', `Configuration of plugins failed: ${e.message} (${e.code})`);
  }
  return null;
};
