// server.modules handling of lighttpd 1.4.69 (configfile.c config_check_module_duplicates,
// config_compat_module_load), through @libs/plugins' compatModuleLoad.
import { compatModuleLoad } from '@libs/plugins';
import type { ConfigTree } from './tree';
import type { ConfigValue } from './values';

const FALSE_WORDS = /^(disable|false)$/i;

/** lighttpd's notion of a set option: a true boolean or a non-empty list. */
function isOn(v: ConfigValue): boolean {
  if (v.type === 'integer') return v.value !== 0;
  if (v.type === 'string') return v.value !== '' && !FALSE_WORDS.test(v.value);
  return v.items.length > 0;
}

/** The module list as the server will load it, in order; `warn` gets lighttpd's compat warnings. */
export function effectiveModules(tree: ConfigTree, warn?: (msg: string) => void): string[] {
  const listed = tree.global.directives.get('server.modules')?.value;
  const names: string[] = [];
  if (listed?.type === 'array') {
    for (const item of listed.items) if (item.value.type === 'string') names.push(item.value.value);
  }
  const compat = tree.global.directives.get('server.compat-module-load')?.value;
  return compatModuleLoad(names, {
    enabled: compat === undefined || isOn(compat),
    isEnabled: (key) => tree.contexts.some((c) => {
      const d = c.directives.get(key);
      return d !== undefined && isOn(d.value);
    }),
    hasKeyPrefix: (prefix) => tree.contexts.some((c) => [...c.directives.keys()].some((k) => k.startsWith(prefix))),
    hasValue: (key, value) => tree.contexts.some((c) => {
      const v = c.directives.get(key)?.value;
      return v?.type === 'string' && v.value === value;
    }),
    ...(warn !== undefined ? { log: { error: warn, warn, notice: warn, info: () => undefined, debug: () => undefined } } : {}),
  });
}
