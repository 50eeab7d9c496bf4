// The backends a gateway starts itself ("bin-path"), as lighttpd 1.4.69's gw_backend.c does:
// max-procs processes per host, each on its own socket ("<socket>-<n>", or port + n), bound and
// listening before the process starts with it as fd 0 (FCGI_LISTENSOCK_FILENO), in an environment of
// bin-copy-environment (or all of ours) plus bin-environment and PHP_FCGI_CHILDREN=1 unless set
// (gw_spawn_connection); a process that dies is logged ("child exited: ...", "child signalled: ...")
// and started again on the same socket, at most once a second (gw_handle_waitpid_cb,
// gw_restart_dead_procs); kill-signal to every process at shutdown (gw_plugin_config_free).
// The listening socket stays open here for the process's life: a restart reuses it (connections
// made meanwhile wait in its backlog), and closing it removes the socket file.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServiceLog } from '@libs/log';
import { bindInheritableSocket, type InheritableSocket, type SocketAddress } from '@libs/process';
import type { ServerView } from '../../core/plugin';
import { monotonicSecs, type BackendState } from './backend-state';
import { connectErrorText } from './connect-error';
import type { BackendSpawn, GatewayHost } from './gateway-config';

/** lighttpd's proc states, as far as httpd-ts uses them (no adaptive spawning: no PROC_STATE_KILLED). */
type ProcState = 'running' | 'overloaded' | 'died';

/**
 * Addresses this process's spawners listen on. A graceful restart builds new modules in the same
 * process: the new configuration takes an address over from the old one (whose processes finish
 * the requests already sent to them and get kill-signal once that configuration has drained).
 */
const OWNED = new Map<string, BackendProc>();

const addressKey = (a: SocketAddress): string => ('path' in a ? a.path : `${a.host}:${a.port}`);

/** One process of a bin-path host (lighttpd gw_proc). */
export class BackendProc {
  pid = 0;
  state: ProcState = 'died';
  /** Not before this second is it started again (a process that exits at once must not spin). */
  disabledUntil = 0;
  /** Started here; false when something already accepted on the socket ("won't spawn"). */
  isLocal = false;
  /** The listening socket the process got as fd 0, held for restarts. */
  listener: InheritableSocket | null = null;
  /** A graceful restart's new configuration took the address: never started again. */
  released = false;

  constructor(
    readonly id: number,
    /** The host with this process's address: what the exchange connects to and log lines name. */
    readonly view: GatewayHost,
    readonly address: SocketAddress,
  ) {}

  /** Lets go of the socket (which removes a unix socket's file). */
  closeListener(): void {
    const l = this.listener;
    if (l === null) return;
    this.listener = null;
    if (OWNED.get(addressKey(this.address)) === this) OWNED.delete(addressKey(this.address));
    l.close();
  }
}

/** A bin-path host's processes (lighttpd gw_host with its procs), shared by every key naming the same socket. */
export class SpawnedBackend {
  /** In lighttpd's list order (the last started first), which decides ties in the election. */
  readonly procs: BackendProc[] = [];
  /** The backend states (one per key) whose requests count in the processes' load. */
  readonly states: BackendState[] = [];

  constructor(
    readonly host: GatewayHost,
    readonly spawn: BackendSpawn,
  ) {
    for (let id = 0; id < spawn.procs; id++) {
      const socketPath = host.socketPath === null ? null : `${host.socketPath}-${id}`;
      const port = host.socketPath === null ? host.port + id : host.port;
      const name = socketPath !== null ? `unix:${socketPath}` : `tcp:${host.host}:${port}`;
      const view: GatewayHost = Object.freeze({ ...host, socketPath, port, name });
      this.procs.unshift(new BackendProc(id, view, socketPath !== null ? { path: socketPath } : { host: host.host, port }));
    }
  }

  /** lighttpd host->active_procs. */
  get activeProcs(): number {
    let n = 0;
    for (const p of this.procs) if (p.state === 'running') n++;
    return n;
  }

  /** Connections open to one process (proc->load). */
  load(p: BackendProc): number {
    let n = 0;
    for (const s of this.states) for (const r of s.requests) if (r.host === p.view) n++;
    return n;
  }

  /** gw_write_request: the first running process, or one after it with a lower load; null when none runs. */
  pick(): GatewayHost | null {
    let best: BackendProc | null = null;
    let bestLoad = 0;
    for (const p of this.procs) {
      if (p.state !== 'running') continue;
      const load = this.load(p);
      if (best === null || load < bestLoad) {
        best = p;
        bestLoad = load;
      }
    }
    return best?.view ?? null;
  }

  /** gw_proc_connect_error for a spawned process: out of the election for disable-time seconds. */
  connectFailed(view: GatewayHost, now: number, hostLoad: number, log: ServiceLog): void {
    const p = this.procs.find((x) => x.view === view);
    if (p === undefined) return;
    if (p.isLocal && p.state === 'running') {
      log.error(`backend error; we'll disable for ${this.host.disableTime}secs and send the request to another backend instead:load: ${hostLoad}`);
    }
    if (p.state === 'running' || !p.isLocal) {
      p.disabledUntil = now + this.host.disableTime;
      p.state = 'overloaded';
    }
  }
}

/** A connect() from a throwaway process: null when something accepts at `where`, else the errno code. */
function probe(where: SocketAddress): string | null {
  const code =
    "const s = require('net').connect(JSON.parse(process.argv[1]));" +
    "s.on('connect', () => process.exit(0)); s.on('error', (e) => { process.stdout.write(String(e.code)); process.exit(1); });";
  const run = spawnSync(process.execPath, ['-e', code, JSON.stringify(where)], { encoding: 'utf8', timeout: 5000, env: {} });
  return run.status === 0 ? null : run.stdout || 'ETIMEDOUT';
}

/** wait(2)'s status word as gw_proc_waitpid_log words it (null: nothing to say). */
function exitLine(status: number, killSignal: number, name: string): string | null {
  const sig = status & 0x7f;
  if (sig === 0) return `child exited: ${status >> 8} ${name}`;
  if (sig === os.constants.signals.SIGTERM || sig === os.constants.signals.SIGINT || sig === killSignal) return null;
  return `child signalled: ${sig}`;
}

/** Every bin-path backend of one gateway module, started at workerInit and reaped through handleWaitpid. */
export class BackendSpawner {
  private readonly hosts: SpawnedBackend[] = [];
  private srv: ServerView | null = null;
  private stopped = false;

  /** mod_scgi runs bin-path through "/bin/sh -c exec ..." (gw_set_defaults_backend's sh_exec). */
  constructor(private readonly shExec: boolean) {}

  /** The config has a bin-path host. */
  static needed(states: Iterable<BackendState>): boolean {
    for (const s of states) if (s.host.spawn !== null) return true;
    return false;
  }

  /**
   * gw_set_defaults_backend's spawning: every process of every bin-path host, before the server
   * accepts. False (logged) when one cannot start: the server must not start without it.
   */
  start(states: Iterable<BackendState>, srv: ServerView): boolean {
    this.srv = srv;
    const log = srv.log;
    const byAddress = new Map<string, SpawnedBackend>();
    for (const s of states) {
      const spawn = s.host.spawn;
      if (spawn === null) continue;
      const key = s.host.socketPath ?? `${s.host.host}:${s.host.port}`;
      let b = byAddress.get(key);
      // unixsocket_is_dup: keys naming the same socket and bin-path share its processes
      if (b !== undefined && b.spawn.binPath !== spawn.binPath) {
        log.error(`duplicate unixsocket path: ${key}`);
        return false;
      }
      if (b === undefined) {
        b = new SpawnedBackend(s.host, spawn);
        byAddress.set(key, b);
        this.hosts.push(b);
      }
      b.states.push(s);
      s.spawned = b;
    }
    for (const b of this.hosts) {
      const file = this.argv(b.spawn)[0] as string;
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (st === undefined || !st.isFile() || (st.mode & 0o111) === 0) {
        log.error(`invalid "bin-path" => "${b.spawn.binPath}" (check that file exists, is regular file, and is executable by lighttpd)`);
      }
      if (b.spawn.adaptive) log.error(`adaptive backend spawning disabled (not available in this version of httpd-ts): starting max-procs = ${b.spawn.procs}`);
      for (const p of [...b.procs].reverse()) {
        if (!this.spawnProc(b, p)) {
          log.error('[ERROR]: spawning gw failed.');
          return false;
        }
      }
    }
    return true;
  }

  private argv(spawn: BackendSpawn): readonly string[] {
    return this.shExec ? ['/bin/sh', '-c', `exec ${spawn.binPath}`] : spawn.args;
  }

  /** bin-copy-environment (or all of ours), then bin-environment, then PHP_FCGI_CHILDREN=1 unless set. */
  private environment(spawn: BackendSpawn): NodeJS.ProcessEnv {
    const env = new Map<string, string>();
    if (spawn.copyEnv.length > 0) {
      for (const k of spawn.copyEnv) {
        const v = process.env[k];
        if (v !== undefined) env.set(k, v);
      }
    } else {
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env.set(k, v);
    }
    for (const [k, v] of spawn.env) env.set(k, v);
    if (!env.has('PHP_FCGI_CHILDREN')) env.set('PHP_FCGI_CHILDREN', '1');
    return Object.fromEntries(env);
  }

  /** The socket for `p`: the one it already had, or bound now; null (logged) when it cannot be had. */
  private listen(b: SpawnedBackend, p: BackendProc, log: ServiceLog): InheritableSocket | 'in-use' | null {
    if (p.listener !== null) return p.listener;
    const key = addressKey(p.address);
    const previous = OWNED.get(key);
    if (previous !== undefined && previous !== p) {
      // a graceful restart: the previous configuration's process keeps what it accepted
      previous.released = true;
      previous.closeListener();
    } else if ('path' in p.address && fs.existsSync(p.address.path)) {
      const err = probe(p.address);
      if (err === null) return 'in-use';
      if (err !== 'ENOENT') log.error(`connect ${p.address.path}: ${connectErrorText(Object.assign(new Error(err), { code: err }))}`);
      fs.rmSync(p.address.path, { force: true });
    }
    try {
      const listener = bindInheritableSocket(p.address, { listen: true, backlog: b.spawn.listenBacklog });
      const ids = this.srv?.childCredentials ?? null;
      // the backend and the workers (server.username) connect to it, not root
      if ('path' in p.address && ids !== null) fs.chownSync(p.address.path, ids.uid ?? -1, ids.gid ?? -1);
      OWNED.set(key, p);
      return listener;
    } catch (e) {
      const code = (e as { cause?: { code?: string } }).cause?.code ?? (e as { code?: string }).code;
      if (code === 'EADDRINUSE' && probe(p.address) === null) return 'in-use';
      log.error(`bind failed for: ${p.view.name}: ${(e as Error).message}`);
      return null;
    }
  }

  /** gw_spawn_connection: the socket, then the process with it as fd 0. */
  private spawnProc(b: SpawnedBackend, p: BackendProc): boolean {
    const srv = this.srv as ServerView;
    const log = srv.log;
    const listener = this.listen(b, p, log);
    if (listener === null) return false;
    if (listener === 'in-use') {
      // "socket is already used; won't spawn": someone else's backend is used as it is
      p.isLocal = false;
      p.pid = 0;
      p.state = 'running';
      return true;
    }
    p.listener = listener;
    const args = this.argv(b.spawn);
    const file = args[0] as string;
    let child;
    try {
      fs.accessSync(file, fs.constants.X_OK);
      child = srv.spawn(file, args.slice(1), { stdio: [listener.fd, 'inherit', 'inherit'], env: this.environment(b.spawn), cwd: path.dirname(file) });
    } catch {
      child = null;
    }
    if (child?.pid === undefined) {
      child?.on('error', () => undefined);
      log.error(`gw-backend failed to start: ${b.spawn.binPath}`);
      p.pid = 0;
      p.disabledUntil = monotonicSecs();
      p.state = 'died';
      return false;
    }
    child.on('error', (e) => log.error(`gw-backend ${b.spawn.binPath}: ${e.message}`));
    p.pid = child.pid;
    p.isLocal = true;
    p.state = 'running';
    return true;
  }

  /** gw_handle_waitpid_cb: true when `pid` was one of these processes (logged, and started again). */
  waitpid(pid: number, status: number): boolean {
    const srv = this.srv;
    if (srv === null) return false;
    for (const b of this.hosts) {
      for (const p of b.procs) {
        if (!p.isLocal || p.pid !== pid) continue;
        const line = exitLine(status, b.spawn.killSignal, p.view.name);
        if (line !== null) srv.log.error(line);
        p.state = 'died';
        p.pid = 0;
        if (this.stopped || p.released) return true;
        // restart, but avoid spinning if the child exits too quickly
        const now = monotonicSecs();
        if (p.disabledUntil < now) {
          p.disabledUntil = now;
          if (!this.spawnProc(b, p)) srv.log.error('ERROR: spawning gw failed.');
        }
        return true;
      }
    }
    return false;
  }

  /** gw_restart_dead_procs from the trigger: re-enable processes after disable-time, start dead ones again. */
  trigger(): void {
    const srv = this.srv;
    if (srv === null || this.stopped) return;
    const now = monotonicSecs();
    for (const b of this.hosts) {
      for (const p of b.procs) {
        if (p.state === 'overloaded') {
          if (now <= p.disabledUntil) continue;
          p.state = 'running';
          const h = b.host;
          srv.log.error(`gw-server re-enabled: ${p.view.name} ${h.socketPath === null ? h.host : ''} ${h.port} ${h.socketPath ?? ''}`);
        } else if (p.state === 'died' && !p.released && b.load(p) === 0 && p.disabledUntil < now) {
          if (!this.spawnProc(b, p)) srv.log.error('ERROR: spawning gw failed.');
        }
      }
    }
  }

  /** gw_plugin_config_free: kill-signal to every process started here, their sockets closed (and unlinked). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const b of this.hosts) {
      for (const p of b.procs) {
        if (p.pid > 0) {
          try {
            process.kill(p.pid, b.spawn.killSignal);
          } catch {
            // already gone: its exit is on its way
          }
        }
        if (p.isLocal) p.closeListener();
      }
    }
  }
}
