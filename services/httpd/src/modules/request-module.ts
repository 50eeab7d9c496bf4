// The part of lighttpd's plugin contract (src/plugin.h) the built-in static modules use, until the
// plugins lib provides the full one: a module answers handle_subrequest_start with a HandlerResult.
import type { Request } from '../connection/request';
import type { StatCache } from './stat-cache';

/** lighttpd's handler_t: dispatch stops at the first result that is not GoOn. */
export const HandlerResult = {
  GoOn: 'go-on',
  Finished: 'finished',
  Comeback: 'comeback',
  Error: 'error',
} as const;
export type HandlerResult = (typeof HandlerResult)[keyof typeof HandlerResult];

/** What modules get from the server besides the request. */
export interface ModuleServices {
  readonly statCache: StatCache;
}

export interface RequestModule {
  readonly name: string;
  /** Called when the physical path is known and stat'ed (lighttpd handle_subrequest_start). */
  handleSubrequestStart(req: Request, services: ModuleServices): HandlerResult | Promise<HandlerResult>;
}
