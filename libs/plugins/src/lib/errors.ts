// Error catalogue of the plugin layer (lighttpd plugin.c plugins_load and configfile-glue.c
// config_plugin_values_init failures): stable codes for tests and callers.
export type PluginsErrorCode =
  | 'PLUGINS_ERR_MODULE_UNKNOWN'
  | 'PLUGINS_ERR_MODULE_LOAD'
  | 'PLUGINS_ERR_MODULE_INVALID'
  | 'PLUGINS_ERR_DIRECTIVE_TYPE'
  | 'PLUGINS_ERR_DIRECTIVE_SCOPE'
  | 'PLUGINS_ERR_SET_DEFAULTS';

export class PluginsError extends Error {
  constructor(
    readonly code: PluginsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PluginsError';
  }
}

export const pluginsErrModuleUnknown = (name: string, dir: string | undefined): PluginsError =>
  new PluginsError('PLUGINS_ERR_MODULE_UNKNOWN', `server.modules: unknown module ${name}${dir === undefined ? '' : ` (not built in, no ${name}.js in ${dir})`}`);

export const pluginsErrModuleLoad = (name: string, file: string, why: string): PluginsError =>
  new PluginsError('PLUGINS_ERR_MODULE_LOAD', `loading module ${name} from ${file} failed: ${why}`);

export const pluginsErrModuleInvalid = (name: string, why: string): PluginsError =>
  new PluginsError('PLUGINS_ERR_MODULE_INVALID', `module ${name} is not a plugin: ${why}`);

export const pluginsErrDirectiveType = (key: string, expected: string, where: string): PluginsError =>
  new PluginsError('PLUGINS_ERR_DIRECTIVE_TYPE', `"${key}" ${expected} in ${where}`);

export const pluginsErrDirectiveScope = (key: string, why: string, where: string): PluginsError =>
  new PluginsError('PLUGINS_ERR_DIRECTIVE_SCOPE', `"${key}" ${why} in ${where}`);

export const pluginsErrSetDefaults = (name: string, why: string): PluginsError =>
  new PluginsError('PLUGINS_ERR_SET_DEFAULTS', `${name}: set_defaults failed: ${why}`);
