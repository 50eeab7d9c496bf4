// What a request needs from the server that runs it, and nothing more (lighttpd's request_st
// reaches srv only through r->con->srv for these): the stat cache, the conditional config, module
// configs by name, hook dispatch and the error log. The server implements it; a request never sees
// the server itself, so an HTTP/1 connection and (later) an HTTP/2 stream run requests the same way.
import type { ServiceLog } from '@libs/log';
import type { HandlerResult, ModuleConfig, RequestConditions } from '@libs/plugins';
import type { Condition } from '../config';
import type { Request } from './request';
import type { RequestHooks } from './plugin';
import type { StatCache } from './stat-cache';

export interface RequestEnv {
  readonly statCache: StatCache;
  readonly log: ServiceLog;
  /** The request's condition cache ($HTTP["url"], $HTTP["host"], ...), created on first use. */
  conditionsFor(r: Request): RequestConditions<Condition, Request>;
  /** A loaded module's compiled config by name. */
  moduleConfig(name: string): ModuleConfig | undefined;
  /** Runs one request hook over every module that has it (dispatch tables built at start-up). */
  callRequest(hook: RequestHooks, r: Request): HandlerResult;
  /** Runs the handler module's handleSubrequest. */
  subrequest(r: Request): HandlerResult;
  /** Trigger seconds (cached clock) and the HTTP Date of this second. */
  readonly now: number;
  readonly httpDate: string;
  /** server.upload-dirs and server.upload-temp-file-size, for request bodies spilled to disk. */
  readonly uploadDirs: readonly string[];
  readonly uploadTempFileSize: number;
}
