// Public surface of the lighttpd.conf layer: parse, the frozen tree, directive tables, -p printing.
export { ConfigError, type ConfigErrorCode, type SourceLocation } from './errors';
export { parseConfigFile, parseConfigString, type ParseOptions } from './parser';
export type { Condition, ConditionOperator, ConditionSubject, ConfigContext, ConfigTree, Directive } from './tree';
export type { ConfigArray, ConfigArrayItem, ConfigInteger, ConfigString, ConfigValue } from './values';
export { toPlain } from './values';
export { evaluateCondition, type ConditionResult } from './condition';
export {
  DirectiveRegistry,
  checkValue,
  validateConfig,
  type DirectiveDescriptor,
  type DirectiveScope,
  type DirectiveType,
  type RegisteredDirective,
  type TypedDirective,
  type TypedDirectiveValue,
  type TypedValue,
  type ValidateOptions,
  type ValidatedContext,
  type ValidationResult,
} from './directives';
export { CORE_DIRECTIVES, createCoreRegistry } from './core-directives';
export { effectiveModules } from './modules';
export { printConfig } from './print';
