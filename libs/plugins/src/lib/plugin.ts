// The plugin contract: lighttpd's struct plugin (src/plugin.h) as one flat interface. A module
// fills in only the hooks it uses; every hook returns a HandlerResult and dispatch stops at the
// first result that is not GoOn. R, C and S are the service's request, connection and server types.
import type { HandlerResult } from '@libs/fdevent';
import type { DirectiveSpec } from './directives';
import type { ModuleConfig } from './module-config';

export interface SetDefaultsContext {
  /** This module's directives, parsed from the global context and every conditional block. */
  readonly config: ModuleConfig;
}

export interface Plugin<R = unknown, C = unknown, S = unknown> {
  /** The name in server.modules, e.g. "mod_expire". */
  readonly name: string;
  readonly version?: string;
  /** The directives this module owns, parsed at start-up into per-request snapshots. */
  readonly directives?: readonly DirectiveSpec[];

  /** called once at start-up after the config is read: validate the parsed directives. */
  setDefaults?(ctx: SetDefaultsContext): HandlerResult;
  /** called in each worker process after it started, before it accepts. */
  workerInit?(srv: S): HandlerResult;
  /** called when the request line is parsed, with the raw (undecoded) URI. */
  handleUriRaw?(r: R): HandlerResult;
  /** called when the URI path is decoded and normalized (rewrite, redirect, access, auth). */
  handleUriClean?(r: R): HandlerResult;
  /** called when the document root is chosen (virtual hosting). */
  handleDocroot?(r: R): HandlerResult;
  /** called when the URI is mapped to a physical path (alias, userdir, index files). */
  handlePhysical?(r: R): HandlerResult;
  /** called when a backend needs the request environment (setenv, CGI/FastCGI variables). */
  handleRequestEnv?(r: R): HandlerResult;
  /** called when a handler is chosen: a module that takes the request makes itself the handler. */
  handleSubrequestStart?(r: R): HandlerResult;
  /** called to run the handler module's response work, again on every event until it finishes. */
  handleSubrequest?(r: R): HandlerResult;
  /** called when the response headers are about to be sent (headers, compression, expire). */
  handleResponseStart?(r: R): HandlerResult;
  /** called when the request is done (access logging). */
  handleRequestDone?(r: R): HandlerResult;
  /** called when the request state is reset, before keep-alive reuse or close. */
  handleRequestReset?(r: R): HandlerResult;
  /** called when a connection is accepted. */
  handleConnectionAccept?(con: C): HandlerResult;
  /** called when the connection's write side is shut down (lingering close). */
  handleConnectionShutWr?(con: C): HandlerResult;
  /** called when a connection is closed. */
  handleConnectionClose?(con: C): HandlerResult;
  /** called once a second by the trigger. */
  handleTrigger?(srv: S): HandlerResult;
  /** called on SIGHUP: reopen log files. */
  handleSighup?(srv: S): HandlerResult;
  /** called when a child process exited: return Finished when the pid was this module's. */
  handleWaitpid?(srv: S, pid: number, status: number): HandlerResult;
  /** called at shutdown: release what the module holds. */
  cleanup?(srv: S): void;
}

/** Builds a fresh plugin instance (lighttpd's <name>_plugin_init + init). */
export type PluginFactory<R = unknown, C = unknown, S = unknown> = () => Plugin<R, C, S>;

/** Every hook name, in lighttpd's request order (plugin.h); the loader checks modules against it. */
export const PLUGIN_HOOKS = [
  'setDefaults',
  'workerInit',
  'handleUriRaw',
  'handleUriClean',
  'handleDocroot',
  'handlePhysical',
  'handleRequestEnv',
  'handleSubrequestStart',
  'handleSubrequest',
  'handleResponseStart',
  'handleRequestDone',
  'handleRequestReset',
  'handleConnectionAccept',
  'handleConnectionShutWr',
  'handleConnectionClose',
  'handleTrigger',
  'handleSighup',
  'handleWaitpid',
  'cleanup',
] as const;

export type PluginHook = (typeof PLUGIN_HOOKS)[number];
