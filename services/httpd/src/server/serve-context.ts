// What the command line hands the serving part (lighttpd 1.4.69 server.c main() after the config
// is read): the options that matter for serving, the checked config, the module list, and how to
// read the config again for a graceful restart. The command line builds it; nothing here knows it.
import type { ConfigTree, DirectiveRegistry, ValidationResult } from '../config';

/** The command-line options serving uses (-m, -D, -i, -1). */
export interface ServeOptions {
  /** -f: the configuration file ("-": standard input). */
  readonly configFile: string | null;
  /** -m: the directory of third-party modules (`<dir>/mod_name.js`). */
  readonly moduleDir: string | null;
  /** -D (also implied by -1). */
  readonly foreground: boolean;
  /** -i: shut down gracefully after this many idle seconds. */
  readonly idleTimeout: number | null;
  /** -1: serve one connection on the socket passed as stdin, then exit. */
  readonly oneShot: boolean;
}

/** Why loading modules failed: printed as "message (code)". */
export interface LoadFailure {
  readonly code: string;
  readonly message: string;
}

export interface ModuleLoadContext {
  readonly options: ServeOptions;
  readonly tree: ConfigTree;
  /** Loaded modules register their directive tables here. */
  readonly registry: DirectiveRegistry;
}

/** Loads (and for -tt initialises) the modules in server.modules order; returns null or the failure. */
export type ModuleLoader = (modules: readonly string[], ctx: ModuleLoadContext) => Promise<LoadFailure | null>;

/** What a graceful restart serves with: the same kind of tree, checks and module list as start-up. */
export interface ReloadedConfig {
  readonly tree: ConfigTree;
  readonly registry: DirectiveRegistry;
  readonly validation: ValidationResult;
  readonly modules: readonly string[];
}

export interface ServeContext extends ModuleLoadContext {
  /** server.modules as upstream would load them (duplicates dropped, compat modules added). */
  readonly modules: readonly string[];
  /** Core and always-loaded modules' directives, checked and typed. */
  readonly validation: ValidationResult;
  /** Where start-up failures go before (or instead of) the error log. */
  readonly io: { readonly stderr: (text: string) => void };
  /**
   * Reads and checks the configuration file again, as at start-up (SIGUSR1 graceful restart);
   * throws an Error naming every problem, and the running configuration stays in force.
   */
  readonly reload: () => ReloadedConfig;
}

/** Starts the server and resolves with the process exit code once it has stopped. */
export type ServeFunction = (ctx: ServeContext) => Promise<number>;
