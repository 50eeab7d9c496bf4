// server.modules handling of lighttpd 1.4.69 (configfile.c config_check_module_duplicates,
// config_compat_module_load): duplicates dropped, mod_indexfile/mod_dirlisting/mod_staticfile added.
import type { ConfigTree } from './tree';

/** The module list as the server will load it, in order. */
export function effectiveModules(tree: ConfigTree): string[] {
  const listed = tree.global.directives.get('server.modules')?.value;
  const names: string[] = [];
  if (listed?.type === 'array') {
    for (const item of listed.items) {
      if (item.value.type === 'string' && !names.includes(item.value.value)) names.push(item.value.value);
    }
  }
  const compat = tree.global.directives.get('server.compat-module-load')?.value;
  const compatOff = compat !== undefined && compat.type === 'string' && /^(disable|false)$/i.test(compat.value);
  const compatOffInt = compat !== undefined && compat.type === 'integer' && compat.value === 0;
  if (compatOff || compatOffInt) return names;
  // mod_indexfile goes first (before backends), the others last, as upstream
  const out = names.includes('mod_indexfile') ? names : ['mod_indexfile', ...names];
  for (const m of ['mod_dirlisting', 'mod_staticfile']) if (!out.includes(m)) out.push(m);
  return out;
}
