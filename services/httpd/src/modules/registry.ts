// The built-in modules, one entry each: the factory. Name and directive table come from the plugin
// it makes, so nothing about a module is written twice; the loader, the directive registry (-t,
// -p, -tt, unknown-key warnings), the CLI's always-loaded list and the README's module table all
// derive from this list. Third-party modules from -m export the same shape (a plugin or a factory).
import type { DirectiveSpec } from '@libs/plugins';
import type { HttpPluginFactory } from '../core/plugin';
import { createModDirlisting } from './mod-dirlisting';
import { createModEcho } from './mod-echo';
import { createModFastcgi } from './mod-fastcgi';
import { createModIndexfile } from './mod-indexfile';
import { createModProxy } from './mod-proxy';
import { createModScgi } from './mod-scgi';
import { createModStaticfile } from './mod-staticfile';
import { createModStatus } from './mod-status';

export interface ModuleEntry {
  readonly name: string;
  readonly directives: readonly DirectiveSpec[];
  readonly create: HttpPluginFactory;
  /** lighttpd loads it without being asked (configfile.c config_compat_module_load), so its keys always count. */
  readonly alwaysLoaded: boolean;
}

function entry(create: HttpPluginFactory, alwaysLoaded: boolean): ModuleEntry {
  const sample = create();
  return Object.freeze({ name: sample.name, directives: sample.directives ?? [], create, alwaysLoaded });
}

export const MODULE_REGISTRY: ReadonlyMap<string, ModuleEntry> = new Map(
  [entry(createModIndexfile, true), entry(createModDirlisting, true), entry(createModStaticfile, true), entry(createModEcho, false), entry(createModFastcgi, false), entry(createModProxy, false), entry(createModScgi, false), entry(createModStatus, false)].map((e) => [e.name, e]),
);

/** Names of the modules lighttpd loads without being asked. */
export const ALWAYS_LOADED_MODULES: readonly string[] = [...MODULE_REGISTRY.values()].filter((e) => e.alwaysLoaded).map((e) => e.name);
