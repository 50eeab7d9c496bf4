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

export type FpmWorkerReport = RequestStartReport | RequestEndReport | ScoreboardQuery | RetiringReport;

/** master -> worker: the answer to a ScoreboardQuery. */
export interface ScoreboardReply extends ChannelMessage {
  readonly type: 'scoreboard';
  readonly id: number;
  readonly board: PoolScoreboard;
}

export type FpmMasterMessage = ScoreboardReply;

const WORKER_TYPES = new Set(['request-start', 'request-end', 'scoreboard-query', 'retiring']);

export const isFpmWorkerReport = (msg: ChannelMessage): msg is FpmWorkerReport => WORKER_TYPES.has(msg.type);
export const isFpmMasterMessage = (msg: ChannelMessage): msg is FpmMasterMessage => msg.type === 'scoreboard';

/** What the master hands a JavaScript worker at spawn (env FPM_TS_WORKER, JSON). */
export interface WorkerBootstrap {
  readonly pool: string;
  /** The listening socket is inherited at this fd; -1: connections are handed over the channel (ondemand). */
  readonly listenFd: number;
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
}

export const WORKER_BOOTSTRAP_ENV = 'FPM_TS_WORKER';
