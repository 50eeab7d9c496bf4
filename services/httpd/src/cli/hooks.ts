// The points where the serving part plugs into the command line: module loading for -tt and
// server start-up.
import type { ConfigTree, DirectiveRegistry, ValidationResult } from '../config';
import type { CliOptions } from './args';
import type { CliError } from './errors';

/** Where the CLI writes; the process entry passes stdout/stderr, tests pass recorders. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whole standard input, for `-f -`. */
  readonly readStdin: () => string;
}

export interface ModuleLoadContext {
  readonly options: CliOptions;
  readonly tree: ConfigTree;
  /** Loaded modules register their directive tables here. */
  readonly registry: DirectiveRegistry;
}

/** Loads (and for -tt initialises) the modules in server.modules order; returns null or the failure. */
export type ModuleLoader = (modules: readonly string[], ctx: ModuleLoadContext) => Promise<CliError | null>;

export interface ServeContext extends ModuleLoadContext {
  /** server.modules as upstream would load them (duplicates dropped, compat modules added). */
  readonly modules: readonly string[];
  /** Core and always-loaded modules' directives, checked and typed. */
  readonly validation: ValidationResult;
  readonly io: CliIo;
  /**
   * Reads and checks the configuration file again, as at start-up (SIGUSR1 graceful restart);
   * throws an Error naming every problem, and the running configuration stays in force.
   */
  readonly reload: () => ReloadedConfig;
}

/** What a graceful restart serves with: the same kind of tree, checks and module list as start-up. */
export interface ReloadedConfig {
  readonly tree: ConfigTree;
  readonly registry: DirectiveRegistry;
  readonly validation: ValidationResult;
  readonly modules: readonly string[];
}

/** Starts the server and resolves with the process exit code once it has stopped. */
export type ServeFunction = (ctx: ServeContext) => Promise<number>;

export interface CliHooks {
  readonly createRegistry: () => DirectiveRegistry;
  readonly loadModules: ModuleLoader;
  readonly serve: ServeFunction;
}
