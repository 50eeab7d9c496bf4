// How a pool's children are started: the JavaScript worker (this same program re-run with
// FPM_TS_WORKER) or the pool's external FastCGI program with the socket on fd 0, with php-fpm's
// environment rules (clear_env, env[NAME], fpm_env.c) and user/group (fpm_unix.c).
import { withoutSystemdEnv } from '@libs/systemd';
import type { WorkerSpec } from '@libs/process';
import type { PoolConfig } from '../config';
import { WORKER_BOOTSTRAP_ENV, type WorkerBootstrap } from '../worker/worker-messages';
import { masterErrors } from './errors';
import { listenBacklog } from './listen-backlog';
import { gidOf, primaryGidOf, uidOf } from './system-ids';

/** The JavaScript worker's command: this program, with the same Node flags (tsx, in tests). */
export interface WorkerCommand {
  readonly command: string;
  readonly args: readonly string[];
  /**
   * Where workers start: the directory fpm-ts was started in, so Node flags naming modules
   * (`--import tsx`) resolve as they did for the master, even after daemonizing moved it to "/".
   * A pool's `chdir` is applied by the worker itself.
   */
  readonly cwd: string;
}

/** Call before daemonizing. */
export const selfWorkerCommand = (): WorkerCommand => ({
  command: process.execPath,
  args: [...process.execArgv, process.argv[1] ?? ''],
  cwd: process.cwd(),
});

/**
 * Variables a Node worker needs to start at all (loader flags, module paths), kept even under
 * clear_env: clear_env is about what the handlers see, and php-fpm's own binary needs no
 * environment to run, ours does.
 */
const NODE_RUNTIME = /^(NODE_|TSX_)/;

export function poolEnv(pool: Readonly<PoolConfig>, masterEnv: NodeJS.ProcessEnv, keepRuntime: boolean): NodeJS.ProcessEnv {
  const base = withoutSystemdEnv(masterEnv);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (!pool.clear_env || (keepRuntime && NODE_RUNTIME.test(name))) env[name] = value;
  }
  // env[NAME] = $VAR copies the master's variable, as php-fpm's fpm_env_init_child() does.
  for (const [name, value] of Object.entries(pool.env)) {
    const resolved = value.startsWith('$') ? masterEnv[value.slice(1)] : value;
    if (resolved !== undefined) env[name] = resolved;
  }
  return env;
}

export interface Credentials {
  readonly uid?: number;
  readonly gid?: number;
}

/** user/group only take effect when the master runs as root, as in php-fpm. */
export function poolCredentials(pool: Readonly<PoolConfig>): Credentials {
  if (process.getuid?.() !== 0 || pool.user === null) return {};
  const uid = uidOf(pool.user);
  if (uid === undefined) throw masterErrors.unknownUser(pool.name, pool.user);
  const gid = pool.group !== null ? gidOf(pool.group) : primaryGidOf(pool.user);
  if (gid === undefined) throw masterErrors.unknownGroup(pool.name, pool.group ?? pool.user);
  return { uid, gid };
}

/** Descriptors the master opened for the workers (see pool-log-files.ts). */
export interface WorkerLogFds {
  readonly access: number | null;
  readonly slowlog: number | null;
}

const NO_LOG_FDS: WorkerLogFds = { access: null, slowlog: null };

/** The worker's own numbers for them: they follow the listening socket (fd 3) when there is one. */
function childFds(handedOnly: boolean, logFds: WorkerLogFds): { inherit: number[]; access: number | null; slowlog: number | null } {
  const inherit: number[] = [];
  const next = (fd: number | null): number | null => {
    if (fd === null) return null;
    inherit.push(fd);
    return (handedOnly ? 3 : 4) + inherit.length - 1;
  };
  const access = next(logFds.access);
  const slowlog = next(logFds.slowlog);
  return { inherit, access, slowlog };
}

/** What a worker is told at start; `logFds` are its own numbers for the inherited log files. */
export function bootstrapFor(pool: Readonly<PoolConfig>, handedOnly: boolean, logFds: WorkerLogFds): WorkerBootstrap {
  return {
    pool: pool.name,
    // -1: no inherited socket, connections arrive over the channel (ondemand, see ondemand-gate.ts).
    listenFd: handedOnly ? -1 : 3,
    listenBacklog: listenBacklog(pool['listen.backlog']),
    statusPath: pool['pm.status_path'],
    pingPath: pool['ping.path'],
    pingResponse: pool['ping.response'],
    maxRequests: pool['pm.max_requests'],
    limitExtensions: pool['security.limit_extensions'],
    revalidateSeconds: pool['handler.revalidate_freq'],
    slowlogTimeoutSeconds: pool.request_slowlog_timeout,
    slowlogFd: logFds.slowlog,
    slowlogTraceDepth: pool.request_slowlog_trace_depth,
    chdir: pool.chdir,
    allowedClients: pool['listen.allowed_clients'],
    accessLog: pool['access.log'],
    accessLogFd: logFds.access,
    accessFormat: pool['access.format'],
    accessSuppressPaths: pool['access.suppress_path'],
  };
}

export function jsWorkerSpec(
  pool: Readonly<PoolConfig>,
  command: WorkerCommand,
  listenFd: number,
  handedOnly: boolean,
  credentials: Credentials,
  masterEnv: NodeJS.ProcessEnv,
  logFds: WorkerLogFds = NO_LOG_FDS,
): WorkerSpec {
  const fds = childFds(handedOnly, logFds);
  return {
    command: command.command,
    args: command.args,
    env: { ...poolEnv(pool, masterEnv, true), [WORKER_BOOTSTRAP_ENV]: JSON.stringify(bootstrapFor(pool, handedOnly, fds)) },
    cwd: command.cwd,
    listenFds: handedOnly ? [] : [listenFd],
    inheritFds: fds.inherit,
    placement: 'ipc',
    logPrefix: `[pool ${pool.name}] `,
    ...credentials,
  };
}

/**
 * rlimit_files / rlimit_core and process.priority for a child, as php-fpm sets them between
 * fork and exec (fpm_unix.c, fpm_children.c): Node has no setrlimit(2) or setpriority-before-exec,
 * so the command runs through util-linux's prlimit and coreutils' nice, which exec it in place
 * (the child's pid stays the one we supervise).
 */
export function withProcessLimits(spec: WorkerSpec, pool: Readonly<PoolConfig>): WorkerSpec {
  const limits: string[] = [];
  if (pool.rlimit_files !== null) limits.push(`--nofile=${pool.rlimit_files}`);
  if (pool.rlimit_core !== null) limits.push(`--core=${pool.rlimit_core}`);
  let argv = [spec.command, ...(spec.args ?? [])];
  if (pool['process.priority'] !== null) argv = ['nice', '-n', String(pool['process.priority']), '--', ...argv];
  if (limits.length > 0) argv = ['prlimit', ...limits, '--', ...argv];
  const [command, ...args] = argv;
  return command === spec.command ? spec : { ...spec, command: command as string, args };
}

/** php-cgi and friends: socket on fd 0, PHP_FCGI_MAX_REQUESTS from pm.max_requests (0 = unlimited). */
export function programSpec(pool: Readonly<PoolConfig>, program: string, listenFd: number, credentials: Credentials, masterEnv: NodeJS.ProcessEnv): WorkerSpec {
  return {
    command: program,
    args: pool['program.args'],
    env: { ...poolEnv(pool, masterEnv, false), PHP_FCGI_MAX_REQUESTS: String(pool['pm.max_requests']) },
    ...(pool.chdir !== null ? { cwd: pool.chdir } : {}),
    listenFds: [listenFd],
    placement: 'fcgi',
    logPrefix: `[pool ${pool.name}] `,
    ...credentials,
  };
}
