// Public surface of the httpd-ts command line.
export { parseArgs, type CliOptions, type CliRequest, type ParseArgsResult } from './args';
export { CliError, type CliErrorCode } from './errors';
export {
  type CliHooks,
  type CliIo,
  type ModuleLoadContext,
  type ModuleLoader,
  type ServeContext,
  type ServeFunction,
} from './hooks';
export { EXIT_FAILURE, runCli } from './run';
export { VERSION } from './texts';
