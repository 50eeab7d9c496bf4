// The plugin contract as httpd-ts instantiates it: @libs/plugins' flat Plugin (lighttpd's struct
// plugin, src/plugin.h) over the core's request and the narrow views of a connection and of the
// server that connection and server hooks receive.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import type { ServiceLog } from '@libs/log';
import type { Plugin, PluginFactory, RequestHook } from '@libs/plugins';
import type { Request } from './request';
import type { RequestState } from './request-state';
import type { StatCache } from './stat-cache';
import type { WorkerStatusReport } from './worker-status';

/** A client connection as connection hooks see it (lighttpd connection). */
export interface ConnectionView {
  readonly remoteIp: string;
  /** The listening socket's config key, for $SERVER["socket"]. */
  readonly serverSocket: string;
  /** Requests started on this connection so far. */
  readonly requestCount: number;
  /** Bytes written to the socket so far, heads included (lighttpd con->bytes_written). */
  readonly bytesWritten: number;
  /** The request being answered, or the last one while a kept-alive connection waits (null before the first). */
  readonly request: Request | null;
  /** Waiting for the next request after answering one (lighttpd http_con_state_is_keep_alive). */
  readonly keepAlive: boolean;
  /** lighttpd's request state of the connection: READ while a head is awaited, CLOSE while closing. */
  readonly state: RequestState;
  /** Trigger seconds when the current (or last) request's head arrived; before one, when accepted. */
  readonly requestStart: number;
}

/** The serving process as server hooks (trigger, sighup, workerInit, waitpid) see it. */
export interface ServerView {
  readonly log: ServiceLog;
  readonly statCache: StatCache;
  /**
   * Starts a process for a module (a FastCGI backend, a logger pipe): its exit reaches every
   * module's handleWaitpid (lighttpd's server.c waitpid loop), the owner answering Finished.
   */
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /**
   * The user and group spawned processes run as: server.username / server.groupname when started
   * as root (lighttpd spawns after dropping privileges), null to run as this process does.
   */
  readonly childCredentials: { readonly uid: number | undefined; readonly gid: number | undefined } | null;
  /** One of a watcher's workers (server.max-worker >= 2), not the only serving process. */
  readonly watcherWorker: boolean;
  /**
   * Adds a module's section to this process's status report; `section` runs when a report is
   * asked for and returns JSON-serialisable data (it crosses the watcher's channel).
   */
  publishStatus(module: string, section: () => unknown): void;
  /** Every worker's status report, this process's alone when there is no watcher. */
  gatherStatus(): Promise<readonly WorkerStatusReport[]>;
  /** This process's open client connections (lighttpd srv->conns), for mod_status. */
  liveConnections(): Iterable<ConnectionView>;
  /** The connections this process accepts at most (lighttpd srv->srvconf.max_conns). */
  readonly maxConnections: number;
  /** The loaded modules' names in server.modules order (lighttpd srv->plugins). */
  readonly moduleNames: readonly string[];
}

export type HttpPlugin = Plugin<Request, ConnectionView, ServerView>;
export type HttpPluginFactory = PluginFactory<Request, ConnectionView, ServerView>;
export type RequestHooks = RequestHook;
