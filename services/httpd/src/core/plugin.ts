// The plugin contract as httpd-ts instantiates it: @libs/plugins' flat Plugin (lighttpd's struct
// plugin, src/plugin.h) over the core's request and the narrow views of a connection and of the
// server that connection and server hooks receive.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import type { ServiceLog } from '@libs/log';
import type { Plugin, PluginFactory, RequestHook } from '@libs/plugins';
import type { Request } from './request';
import type { StatCache } from './stat-cache';

/** A client connection as connection hooks see it (lighttpd connection). */
export interface ConnectionView {
  readonly remoteIp: string;
  /** The listening socket's config key, for $SERVER["socket"]. */
  readonly serverSocket: string;
  /** Requests started on this connection so far. */
  readonly requestCount: number;
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
}

export type HttpPlugin = Plugin<Request, ConnectionView, ServerView>;
export type HttpPluginFactory = PluginFactory<Request, ConnectionView, ServerView>;
export type RequestHooks = RequestHook;
