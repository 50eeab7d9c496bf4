// The pool scoreboard: what php-fpm's fpm_scoreboard.h keeps per pool and per child, filled in by
// the master from its workers' reports and read by the status page and the STATUS= line.

export type ProcessState = 'Idle' | 'Running' | 'Reading headers' | 'Finishing' | 'Ending';

export interface ProcessSlot {
  pid: number;
  state: ProcessState;
  /** Epoch seconds. */
  startTime: number;
  requests: number;
  /** Microseconds: of the running request, or of the last one when idle. */
  requestDuration: number;
  requestMethod: string;
  requestUri: string;
  contentLength: number;
  user: string;
  script: string;
  /** Percent of one CPU used by the last request. */
  lastRequestCpu: number;
  /** Bytes of memory in use at the end of the last request. */
  lastRequestMemory: number;
}

export interface PoolScoreboard {
  pool: string;
  processManager: string;
  /** Epoch seconds. */
  startTime: number;
  acceptedConn: number;
  listenQueue: number;
  maxListenQueue: number;
  listenQueueLen: number;
  idle: number;
  active: number;
  total: number;
  maxActive: number;
  maxChildrenReached: number;
  slowRequests: number;
  processes: ProcessSlot[];
}
