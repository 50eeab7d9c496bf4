// The points where the serving part plugs into the command line: module loading for -tt and
// server start-up.
import type { DirectiveRegistry } from '../config';
import type { ModuleLoader, ServeFunction } from '../server/serve-context';

export type { LoadFailure, ModuleLoadContext, ModuleLoader, ReloadedConfig, ServeContext, ServeFunction, ServeOptions } from '../server/serve-context';

/** Where the CLI writes; the process entry passes stdout/stderr, tests pass recorders. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whole standard input, for `-f -`. */
  readonly readStdin: () => string;
}

export interface CliHooks {
  readonly createRegistry: () => DirectiveRegistry;
  readonly loadModules: ModuleLoader;
  readonly serve: ServeFunction;
}
