// What a gateway knows about its backends while it runs, as lighttpd 1.4.69's gw_backend.c keeps
// it in gw_host / gw_proc: the load, whether a backend is disabled and until when (a backend that
// refused or timed out is left out of the election for disable-time seconds), the requests on it
// for the timeout check, the counts its statistics show, and each key's round-robin position and
// "all handlers are down" note. The server's 1-second trigger drives it (gw_handle_trigger): no
// timer per backend or request.
import type { ServiceLog } from '@libs/log';
import { pickHost, type Election, type GatewayBalance } from './balance';
import type { SpawnedBackend } from './backend-spawner';
import type { GatewayExtension, GatewayHost } from './gateway-config';

/** lighttpd's log_monotonic_secs. */
export function monotonicSecs(): number {
  return Math.floor(performance.now() / 1000);
}

/** A request in progress on a backend, as the timeout check sees it (the gw handler context). */
export interface BackendRequest {
  /** Where it is connected (a spawned backend's process: its own address). */
  readonly host: GatewayHost;
  /** The trigger found it waiting longer than the backend's timeout. */
  expire(now: number): void;
}

/** One backend (lighttpd: the host; its one proc without bin-path, its spawned procs with it). */
export class BackendState {
  /** Requests assigned to it (host->load), from the election until the request lets go. */
  load = 0;
  /** PROC_STATE_OVERLOADED: out of the election until the trigger re-enables it. */
  disabled = false;
  disabledUntil = 0;
  /** Connections open to it (their count is proc->load), for the timeout check. */
  readonly requests = new Set<BackendRequest>();
  /** Connections made (".connected"), refused or timed out (".died"), refused with EAGAIN (".overloaded"). */
  connected = 0;
  died = 0;
  overloaded = 0;

  /** bin-path: the processes httpd-ts started for it (backend-spawner.ts drives them). */
  spawned: SpawnedBackend | null = null;

  constructor(readonly host: GatewayHost) {}

  /** In the election (host->active_procs > 0). */
  get up(): boolean {
    return this.spawned === null ? !this.disabled : this.spawned.activeProcs > 0;
  }

  /** Where the next connection goes: the host, or its least loaded running process (null: none runs). */
  target(): GatewayHost | null {
    return this.spawned === null ? this.host : this.spawned.pick();
  }

  /**
   * gw_proc_connect_error: the backend (a spawned one: the process at `target`) disabled for
   * disable-time seconds, counted as overloaded when the kernel said EAGAIN, else as died.
   */
  connectFailed(now: number, eagain: boolean, target: GatewayHost = this.host, log?: ServiceLog): void {
    if (this.spawned !== null && log !== undefined) this.spawned.connectFailed(target, now, this.load, log);
    else {
      this.disabledUntil = now + this.host.disableTime;
      this.disabled = true;
    }
    if (eagain) this.overloaded++;
    else this.died++;
  }

  /** gw_proc_check_enable, from the trigger (a spawned backend's processes: the spawner's trigger). */
  checkEnable(now: number, log: ServiceLog): void {
    if (this.spawned !== null || !this.disabled || now <= this.disabledUntil) return;
    this.disabled = false;
    const h = this.host;
    log.error(`gw-server re-enabled: ${h.name} ${h.socketPath === null ? h.host : ''} ${h.port} ${h.socketPath ?? ''}`);
  }
}

/** Every backend of a module's gateway, with each key's balancing state. */
export class GatewayBackends {
  private readonly states = new Map<GatewayHost, BackendState>();
  private readonly lastUsed = new WeakMap<GatewayExtension, number>();
  /** Keys whose "all handlers ... are down" line was written (extension->note_is_sent). */
  private readonly noteSent = new WeakSet<GatewayExtension>();

  /** Every backend of the config, known before any request (gw_status_init_host), in config order. */
  register(exts: readonly GatewayExtension[]): void {
    for (const e of exts) for (const h of e.hosts) this.state(h);
  }

  /** Every backend known, in the order they were met. */
  all(): Iterable<BackendState> {
    return this.states.values();
  }

  state(host: GatewayHost): BackendState {
    let s = this.states.get(host);
    if (s === undefined) {
      s = new BackendState(host);
      this.states.set(host, s);
    }
    return s;
  }

  /**
   * gw_host_get: the backend for this request, or null when all are down, having logged (once
   * until a backend is found again) "all handlers for <path>?<query> on <key> are down."
   */
  get(ext: GatewayExtension, balance: GatewayBalance, req: Election & { readonly query: string }, log: ServiceLog): BackendState | null {
    const candidates = ext.hosts.map((h) => {
      const s = this.state(h);
      return { up: s.up, load: s.load, hash: h.gwHash, port: h.port };
    });
    const { ndx, lastUsed } = pickHost(candidates, balance, this.lastUsed.get(ext) ?? -1, req);
    this.lastUsed.set(ext, lastUsed);
    const host = ext.hosts[ndx];
    if (host !== undefined) {
      this.noteSent.delete(ext);
      return this.state(host);
    }
    if (!this.noteSent.has(ext)) {
      this.noteSent.add(ext);
      log.error(`all handlers for ${req.path}?${req.query} on ${ext.key} are down.`);
    }
    return null;
  }

  /** gw_handle_trigger: re-enable backends whose disable-time is over, end requests past a timeout. */
  trigger(log: ServiceLog): void {
    const now = monotonicSecs();
    for (const s of this.states.values()) {
      for (const req of [...s.requests]) req.expire(now);
      s.checkEnable(now, log);
    }
  }
}
