// How a worker learns it is one: the watcher starts workers as `httpd-ts <same flags>` with the
// listening sockets at fds 3, 4, ... (as systemd passes them) and their names in the environment,
// so a worker matches them to its configured sockets exactly as socket activation does.
import type { InheritedSocket, ServerSocketConfig } from '@libs/fdevent';

/** Set (to the socket names, in fd order) only in the watcher's workers. */
export const WORKER_SOCKETS_ENV = 'HTTPD_TS_WORKER_SOCKETS';
/** A configuration read from standard input (-f -), handed on to the workers. */
export const WORKER_CONFIG_ENV = 'HTTPD_TS_WORKER_CONFIG';
/** Listening sockets of a worker start at fd 3, as SD_LISTEN_FDS_START. */
const FIRST_FD = 3;

export function isWorker(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[WORKER_SOCKETS_ENV] !== undefined;
}

/** The names the watcher gave, one per socket; JSON, since a name may be any configured text. */
export function encodeWorkerSockets(names: readonly string[]): string {
  return JSON.stringify(names);
}

/** The sockets this worker inherited (empty outside a worker). */
export function workerSockets(env: NodeJS.ProcessEnv = process.env): InheritedSocket[] {
  const raw = env[WORKER_SOCKETS_ENV];
  if (raw === undefined) return [];
  const names = JSON.parse(raw) as unknown;
  if (!Array.isArray(names) || !names.every((n): n is string => typeof n === 'string')) {
    throw new Error(`${WORKER_SOCKETS_ENV} is not a list of socket names`);
  }
  return names.map((name, i) => ({ fd: FIRST_FD + i, name }));
}

/**
 * The socket configs a worker listens with: one per inherited socket, named as the watcher named
 * it (the configured address, or the label of a systemd socket no configuration matched), so
 * every inherited socket is matched by name and the worker binds nothing itself.
 */
export function workerListenSpecs(configured: readonly ServerSocketConfig[], inherited: readonly InheritedSocket[]): ServerSocketConfig[] {
  return inherited.map((s) => ({ ...(configured.find((c) => c.address === s.name) ?? { address: s.name }), name: s.name }));
}
