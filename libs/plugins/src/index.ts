// Public surface of @libs/plugins: the plugin contract, the dispatcher, directive tables, the
// per-request config snapshots and the server.modules loader.
export { HandlerResult } from '@libs/fdevent';
export { PLUGIN_HOOKS, type Plugin, type PluginFactory, type PluginHook, type SetDefaultsContext } from './lib/plugin';
export { PluginDispatcher, REQUEST_HOOKS, type RequestHook, type ConnectionHook } from './lib/dispatcher';
export {
  convertDirective,
  checkDirectiveValue,
  type CheckedValue,
  type ConfigArrayLike,
  type ConfigValueLike,
  type DirectiveScope,
  type DirectiveSpec,
  type DirectiveType,
  type TypeOfDirective,
  type TypedValue,
} from './lib/directives';
export {
  ConfigConditions,
  RequestConditions,
  type ConditionEvaluator,
  type ConditionMatch,
  type ConfigContextLike,
  type ConfigTreeLike,
} from './lib/conditions';
export { ModuleConfig, type CompileOptions, type ConfigSnapshot } from './lib/module-config';
export { loadPlugins, compatModuleLoad, type LoadPluginsOptions, type CompatModuleLoadOptions } from './lib/loader';
export { PluginsError, pluginsErrDirectiveType, type PluginsErrorCode } from './lib/errors';
