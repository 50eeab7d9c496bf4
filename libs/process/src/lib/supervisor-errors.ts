// Error catalogue of the worker supervisor and its command channel (the failures php-fpm's
// fpm_children.c and nginx's ngx_process_cycle.c log and recover from), each with a stable `code`.
import { ProcessError } from './errors';

export type SupervisorErrorCode =
  | 'PROCESS_ERR_WORKER_SPAWN'
  | 'PROCESS_ERR_WORKER_NO_CHANNEL'
  | 'PROCESS_ERR_WORKER_STATUS_TIMEOUT'
  | 'PROCESS_ERR_WORKER_GONE'
  | 'PROCESS_ERR_NO_PARENT_CHANNEL'
  | 'PROCESS_ERR_SOCKET_BIND'
  | 'PROCESS_ERR_SOCKET_NO_FD'
  | 'PROCESS_ERR_SOCKET_LISTEN'
  | 'PROCESS_ERR_WORKERS_NOT_READY'
  | 'PROCESS_ERR_GENERATION_NOT_READY'
  | 'PROCESS_ERR_SUPERVISOR_BUSY'
  | 'PROCESS_ERR_SUPERVISOR_STOPPED';

export type SupervisorError = ProcessError<SupervisorErrorCode>;

function text(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

export const supervisorErrors = {
  workerSpawn: (command: string, cause: unknown) =>
    new ProcessError<SupervisorErrorCode>('PROCESS_ERR_WORKER_SPAWN', `starting child "${command}" failed: ${text(cause)}`, {
      cause,
    }),
  // External FastCGI programs (placement 'fcgi') have no IPC channel to carry commands.
  workerNoChannel: (pid: number, what: string) =>
    new ProcessError<SupervisorErrorCode>(
      'PROCESS_ERR_WORKER_NO_CHANNEL',
      `child ${pid} has no command channel; cannot send "${what}"`,
    ),
  workerStatusTimeout: (pid: number, ms: number) =>
    new ProcessError<SupervisorErrorCode>(
      'PROCESS_ERR_WORKER_STATUS_TIMEOUT',
      `child ${pid} did not answer a status query within ${ms} ms`,
    ),
  workerGone: (pid: number) =>
    new ProcessError<SupervisorErrorCode>('PROCESS_ERR_WORKER_GONE', `child ${pid} exited before answering`),
  noParentChannel: () =>
    new ProcessError<SupervisorErrorCode>(
      'PROCESS_ERR_NO_PARENT_CHANNEL',
      'this process was not started with an IPC channel to its supervisor',
    ),
  socketBind: (where: string, cause: unknown) =>
    new ProcessError<SupervisorErrorCode>('PROCESS_ERR_SOCKET_BIND', `binding ${where} failed: ${text(cause)}`, { cause }),
  socketNoFd: () =>
    new ProcessError<SupervisorErrorCode>(
      'PROCESS_ERR_SOCKET_NO_FD',
      'the server has no file descriptor (not listening yet, or closed)',
    ),
  socketListen: (where: string, status: string) =>
    new ProcessError<SupervisorErrorCode>('PROCESS_ERR_SOCKET_LISTEN', `listen() on ${where} failed (${status})`),
  workersNotReady: (reason: string) =>
    new ProcessError<SupervisorErrorCode>('PROCESS_ERR_WORKERS_NOT_READY', `workers did not become ready: ${reason}`),
  generationNotReady: (generation: number, reason: string) =>
    new ProcessError<SupervisorErrorCode>(
      'PROCESS_ERR_GENERATION_NOT_READY',
      `generation ${generation} discarded, old workers keep serving: ${reason}`,
    ),
  supervisorBusy: (what: string) =>
    new ProcessError<SupervisorErrorCode>('PROCESS_ERR_SUPERVISOR_BUSY', `${what} is already in progress`),
  supervisorStopped: (what: string) =>
    new ProcessError<SupervisorErrorCode>('PROCESS_ERR_SUPERVISOR_STOPPED', `cannot ${what}: the supervisor is stopping or stopped`),
} as const;
