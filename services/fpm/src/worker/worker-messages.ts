// fpm-ts's own messages on the master<->worker channel (on top of @libs/process's quit,
// terminate, reopen-logs, status and heartbeat): what php-fpm children write into the shared
// scoreboard (fpm_request.c) travels here as activity reports.
import type { ChannelMessage } from '@libs/process';
import type { PoolScoreboard } from '../status/scoreboard';

/** A request as the scoreboard shows it (php-fpm's fpm_scoreboard_proc_s request fields). */
export interface RequestInfo {
  readonly method: string;
  readonly uri: string;
  readonly script: string;
  readonly contentLength: number;
  readonly user: string;
}

/** A request still running when the activity report left. */
export interface RunningRequestInfo extends RequestInfo {
  /** The worker's own request number. */
  readonly id: number;
  /** Epoch milliseconds when the request started. */
  readonly startedAt: number;
}

/** The last request the worker finished (fpm_request_end): cpu % and memory for the scoreboard. */
export interface FinishedRequestInfo extends RequestInfo {
  /** Microseconds the request took. */
  readonly durationUs: number;
  readonly cpu: number;
  readonly memory: number;
}

/**
 * worker -> master: what php-fpm children write into the shared scoreboard (fpm_request.c),
 * as a summary sent at most every few milliseconds: one message per request would cost more
 * than the requests themselves (JSON, a pipe write, a wake-up of the master).
 */
export interface ActivityReport extends ChannelMessage {
  readonly type: 'activity';
  /** Requests started since the previous report. */
  readonly started: number;
  /** Requests running now, oldest first. */
  readonly running: readonly RunningRequestInfo[];
  /** The last request finished since the previous report, if any. */
  readonly last: FinishedRequestInfo | null;
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

export type FpmWorkerReport = ActivityReport | ScoreboardQuery | RetiringReport | LogReport;

/** master -> worker: the answer to a ScoreboardQuery. */
export interface ScoreboardReply extends ChannelMessage {
  readonly type: 'scoreboard';
  readonly id: number;
  readonly board: PoolScoreboard;
}

/**
 * master -> worker: send an activity report now, changed or not. A status page waits for every
 * worker's, so it shows what php-fpm's shared scoreboard would: the state of this moment.
 */
export interface ActivityQuery extends ChannelMessage {
  readonly type: 'activity-query';
}

/** master -> worker (ondemand): the message's handle is a connection the master accepted. */
export interface HandedConnection extends ChannelMessage {
  readonly type: 'handed-connection';
}

/**
 * master -> worker: request_terminate_timeout for one request (the worker's own number). php-fpm
 * kills the child, which runs one request; a JavaScript worker runs several, so only this one
 * ends. A worker whose event loop is blocked cannot do it and is terminated instead.
 */
export interface TerminateRequest extends ChannelMessage {
  readonly type: 'terminate-request';
  readonly id: number;
}

export type FpmMasterMessage = ScoreboardReply | ActivityQuery | HandedConnection | TerminateRequest;

const WORKER_TYPES = new Set(['activity', 'scoreboard-query', 'retiring', 'log']);

export const isFpmWorkerReport = (msg: ChannelMessage): msg is FpmWorkerReport => WORKER_TYPES.has(msg.type);
export const isFpmMasterMessage = (msg: ChannelMessage): msg is FpmMasterMessage =>
  msg.type === 'scoreboard' || msg.type === 'activity-query' || msg.type === 'handed-connection' || msg.type === 'terminate-request';

/** What the master hands a JavaScript worker at spawn (env FPM_TS_WORKER, JSON). */
export interface WorkerBootstrap {
  readonly pool: string;
  /** The listening socket is inherited at this fd; -1: connections are handed over the channel (ondemand). */
  readonly listenFd: number;
  /** listen.backlog, resolved (the kernel maximum for -1): listen() on the inherited socket sets it again. */
  readonly listenBacklog: number;
  readonly statusPath: string | null;
  readonly pingPath: string | null;
  readonly pingResponse: string;
  readonly maxRequests: number;
  readonly limitExtensions: readonly string[];
  readonly revalidateSeconds: number;
  /** 0 disables the slowlog sampler thread. */
  readonly slowlogTimeoutSeconds: number;
  /** The slowlog, opened by the master: this descriptor is inherited (null: no slowlog). */
  readonly slowlogFd: number | null;
  readonly slowlogTraceDepth: number;
  readonly chdir: string | null;
  /** listen.allowed_clients (null: any). */
  readonly allowedClients: readonly string[] | null;
  /** access.log (null: none), opened by the master and inherited at accessLogFd, and access.format. */
  readonly accessLog: string | null;
  readonly accessLogFd: number | null;
  readonly accessFormat: string;
  /** access.suppress_path[]: paths whose plain successful requests are not logged. */
  readonly accessSuppressPaths: readonly string[];
}

export const WORKER_BOOTSTRAP_ENV = 'FPM_TS_WORKER';
