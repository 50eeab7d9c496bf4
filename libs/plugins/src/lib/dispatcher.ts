// Hook dispatch: one table per hook, built once at start-up with only the plugins that implement
// it, in server.modules order (lighttpd plugin.c plugins_call_init / plugins_call_fn_req_data).
// Request and connection hooks stop at the first result that is not GoOn; trigger and sighup
// reach every plugin.
import { HandlerResult } from '@libs/fdevent';
import { ModuleConfig, type CompileOptions } from './module-config';
import type { ConfigTreeLike } from './conditions';
import { pluginsErrSetDefaults } from './errors';
import type { Plugin } from './plugin';

export type RequestHook =
  | 'handleUriRaw'
  | 'handleUriClean'
  | 'handleDocroot'
  | 'handlePhysical'
  | 'handleRequestEnv'
  | 'handleSubrequestStart'
  | 'handleResponseStart'
  | 'handleRequestDone'
  | 'handleRequestReset';

export type ConnectionHook = 'handleConnectionAccept' | 'handleConnectionShutWr' | 'handleConnectionClose';

export const REQUEST_HOOKS: readonly RequestHook[] = [
  'handleUriRaw',
  'handleUriClean',
  'handleDocroot',
  'handlePhysical',
  'handleRequestEnv',
  'handleSubrequestStart',
  'handleResponseStart',
  'handleRequestDone',
  'handleRequestReset',
];
const CONNECTION_HOOKS: readonly ConnectionHook[] = ['handleConnectionAccept', 'handleConnectionShutWr', 'handleConnectionClose'];

type Fn<A> = (arg: A) => HandlerResult;

function table<P extends object, A>(plugins: readonly P[], pick: (p: P) => Fn<A> | undefined): readonly Fn<A>[] {
  const out: Fn<A>[] = [];
  for (const p of plugins) {
    const fn = pick(p);
    if (fn !== undefined) out.push(fn.bind(p));
  }
  return Object.freeze(out);
}

function runUntilNotGoOn<A>(fns: readonly Fn<A>[], arg: A): HandlerResult {
  for (const fn of fns) {
    const r = fn(arg);
    if (r !== HandlerResult.GoOn) return r;
  }
  return HandlerResult.GoOn;
}

export class PluginDispatcher<R = unknown, C = unknown, S = unknown> {
  private readonly requestTables: Readonly<Record<RequestHook, readonly Fn<R>[]>>;
  private readonly connectionTables: Readonly<Record<ConnectionHook, readonly Fn<C>[]>>;
  private readonly triggerTable: readonly Fn<S>[];
  private readonly sighupTable: readonly Fn<S>[];
  private readonly workerInitTable: readonly Fn<S>[];
  private readonly waitpidTable: readonly Plugin<R, C, S>[];
  private readonly configs = new Map<string, ModuleConfig>();

  constructor(readonly plugins: readonly Plugin<R, C, S>[]) {
    const req = {} as Record<RequestHook, readonly Fn<R>[]>;
    for (const h of REQUEST_HOOKS) req[h] = table(plugins, (p) => p[h]);
    // lighttpd plugin.c: each module's handle_uri_raw runs in the uri_clean slot, just before its
    // own handle_uri_clean (the raw URI is still at hand then)
    req.handleUriClean = Object.freeze(
      plugins.flatMap((p) => [p.handleUriRaw, p.handleUriClean].filter((f): f is Fn<R> => f !== undefined).map((f) => f.bind(p))),
    );
    this.requestTables = Object.freeze(req);
    const con = {} as Record<ConnectionHook, readonly Fn<C>[]>;
    for (const h of CONNECTION_HOOKS) con[h] = table(plugins, (p) => p[h]);
    this.connectionTables = Object.freeze(con);
    this.triggerTable = table(plugins, (p) => p.handleTrigger);
    this.sighupTable = table(plugins, (p) => p.handleSighup);
    this.workerInitTable = table(plugins, (p) => p.workerInit);
    this.waitpidTable = plugins.filter((p) => p.handleWaitpid !== undefined);
  }

  /** How many plugins implement a hook (the size of its table). */
  count(hook: RequestHook | ConnectionHook): number {
    return (REQUEST_HOOKS as readonly string[]).includes(hook)
      ? this.requestTables[hook as RequestHook].length
      : this.connectionTables[hook as ConnectionHook].length;
  }

  /**
   * Start-up: compiles each plugin's directive table against the config tree, then runs its
   * setDefaults. Any failure stops start-up (lighttpd refuses to start on a bad directive).
   */
  setDefaults<Cond>(tree: ConfigTreeLike<Cond>, options: CompileOptions<Cond> = {}): void {
    for (const p of this.plugins) {
      const config = ModuleConfig.compile(p.directives ?? [], tree, options);
      this.configs.set(p.name, config);
      if (p.setDefaults !== undefined && p.setDefaults({ config }) !== HandlerResult.GoOn) {
        throw pluginsErrSetDefaults(p.name, 'the module rejected its configuration');
      }
    }
  }

  /** The compiled directives of a module (after setDefaults). */
  moduleConfig(name: string): ModuleConfig | undefined {
    return this.configs.get(name);
  }

  callRequest(hook: RequestHook, r: R): HandlerResult {
    const fns = this.requestTables[hook];
    // most hooks have no module on a given server: no call at all then
    return fns.length === 0 ? HandlerResult.GoOn : runUntilNotGoOn(fns, r);
  }

  callConnection(hook: ConnectionHook, con: C): HandlerResult {
    return runUntilNotGoOn(this.connectionTables[hook], con);
  }

  /** Runs the response work of the module that took the request in handleSubrequestStart. */
  subrequest(handler: Plugin<R, C, S>, r: R): HandlerResult {
    return handler.handleSubrequest === undefined ? HandlerResult.GoOn : handler.handleSubrequest(r);
  }

  workerInit(srv: S): HandlerResult {
    return runUntilNotGoOn(this.workerInitTable, srv);
  }

  /** Every plugin's trigger runs; the result is Error when one of them failed. */
  trigger(srv: S): HandlerResult {
    return runAll(this.triggerTable, srv);
  }

  sighup(srv: S): HandlerResult {
    return runAll(this.sighupTable, srv);
  }

  /** Offers an exited child to each module until one claims it (returns other than GoOn). */
  waitpid(srv: S, pid: number, status: number): HandlerResult {
    for (const p of this.waitpidTable) {
      const r = (p.handleWaitpid as NonNullable<Plugin<R, C, S>['handleWaitpid']>).call(p, srv, pid, status);
      if (r !== HandlerResult.GoOn) return r;
    }
    return HandlerResult.GoOn;
  }

  cleanup(srv: S): void {
    for (const p of this.plugins) p.cleanup?.(srv);
  }
}

function runAll<A>(fns: readonly Fn<A>[], arg: A): HandlerResult {
  let result: HandlerResult = HandlerResult.GoOn;
  for (const fn of fns) if (fn(arg) === HandlerResult.Error) result = HandlerResult.Error;
  return result;
}
