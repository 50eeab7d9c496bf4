// fpm-ts's own messages on the master<->worker channel (on top of @libs/process's quit,
// terminate, reopen-logs, status and heartbeat): what php-fpm children write into the shared
// scoreboard (fpm_request.c) travels here as request-start / request-end reports.
import type { ChannelMessage } from '@libs/process';
import type { PoolScoreboard } from '../status/scoreboard';

/** worker -> master: a request was read and is being run (fpm_request_reading_headers/_info). */
export interface RequestStartReport extends ChannelMessage {
  readonly type: 'request-start';
  readonly method: string;
  readonly uri: string;
  readonly script: string;
  readonly contentLength: number;
  readonly user: string;
}

/** worker -> master: the request finished (fpm_request_end): cpu % and memory for the scoreboard. */
export interface RequestEndReport extends ChannelMessage {
  readonly type: 'request-end';
  /** Microseconds the request took. */
  readonly durationUs: number;
  readonly cpu: number;
  readonly memory: number;
}

/** worker -> master: a status page request needs the pool's scoreboard. */
export interface ScoreboardQuery extends ChannelMessage {
  readonly type: 'scoreboard-query';
  readonly id: number;
}

/** worker -> master: pm.max_requests reached; the worker stops accepting and exits when drained. */
export interface RetiringReport extends ChannelMessage {
  readonly type: 'retiring';
}

/**
 * worker -> master: a line for the error log. php-fpm children write to the master's error_log
 * themselves (zlog); ours go through the master, so its target (file, stderr, journal) and its
 * reopen apply to them too, whatever catch_workers_output says.
 */
export interface LogReport extends ChannelMessage {
  readonly type: 'log';
  readonly level: 'error' | 'warn' | 'notice' | 'info' | 'debug';
  readonly message: string;
}

/**
 * worker -> master: reports queued during one turn of the worker's event loop, sent as one IPC
 * message. Under load a worker finishes many requests per turn; one message each would cost
 * more than the requests themselves (JSON, a pipe write, a wake-up of the master).
 */
export interface ReportBatch extends ChannelMessage {
  readonly type: 'reports';
  readonly items: readonly (RequestStartReport | RequestEndReport)[];
}

export type FpmWorkerReport = RequestStartReport | RequestEndReport | ScoreboardQuery | RetiringReport | LogReport | ReportBatch;

/** master -> worker: the answer to a ScoreboardQuery. */
export interface ScoreboardReply extends ChannelMessage {
  readonly type: 'scoreboard';
  readonly id: number;
  readonly board: PoolScoreboard;
}

/** master -> worker (ondemand): the message's handle is a connection the master accepted. */
export interface HandedConnection extends ChannelMessage {
  readonly type: 'handed-connection';
}

export type FpmMasterMessage = ScoreboardReply | HandedConnection;

const WORKER_TYPES = new Set(['request-start', 'request-end', 'scoreboard-query', 'retiring', 'log', 'reports']);

export const isFpmWorkerReport = (msg: ChannelMessage): msg is FpmWorkerReport => WORKER_TYPES.has(msg.type);
export const isFpmMasterMessage = (msg: ChannelMessage): msg is FpmMasterMessage =>
  msg.type === 'scoreboard' || msg.type === 'handed-connection';

/** What the master hands a JavaScript worker at spawn (env FPM_TS_WORKER, JSON). */
export interface WorkerBootstrap {
  readonly pool: string;
  /** The listening socket is inherited at this fd; -1: connections are handed over the channel (ondemand). */
  readonly listenFd: number;
  /** listen.backlog: listen() on the inherited socket sets it again. */
  readonly listenBacklog: number;
  readonly statusPath: string | null;
  readonly pingPath: string | null;
  readonly pingResponse: string;
  readonly maxRequests: number;
  readonly limitExtensions: readonly string[];
  readonly revalidateSeconds: number;
  /** 0 disables the slowlog sampler thread. */
  readonly slowlogTimeoutSeconds: number;
  readonly slowlog: string | null;
  readonly slowlogTraceDepth: number;
  readonly chdir: string | null;
  /** listen.allowed_clients (null: any). */
  readonly allowedClients: readonly string[] | null;
  /** access.log (null: none) and access.format. */
  readonly accessLog: string | null;
  readonly accessFormat: string;
}

export const WORKER_BOOTSTRAP_ENV = 'FPM_TS_WORKER';
