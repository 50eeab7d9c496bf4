// sd_notify(3) for Type=notify / Type=notify-reload services, through the sd-notify package's native
// binding. Every message goes through its sendState(), which is libsystemd's sd_notify(0, state):
// the fields are sent exactly as we join them, one datagram per call.
//
// NOTIFY_SOCKET: sd_notify(0, …) does not unset it, and libsystemd reads it from the C environment
// on every call, so we leave it in process.env (unsetting it would silence later calls). Children
// must therefore not inherit it by accident: spawn them with `withoutSystemdEnv(process.env)`.
import type * as SdNotify from 'sd-notify';
import { systemdErrNotifyField, systemdErrNotifyUnavailable } from './errors';

export type NotifyFields = Readonly<Record<string, string | number | bigint>>;

type Binding = typeof SdNotify;
export type BindingLoader = () => Binding;

// Loaded lazily: a service without NOTIFY_SOCKET never needs the native module.
const defaultLoader: BindingLoader = () => require('sd-notify') as Binding;

export interface Notifier {
  // True when NOTIFY_SOCKET is set (messages will be sent).
  readonly enabled: boolean;
  // Sends the fields in order as NAME=value lines; a no-op without NOTIFY_SOCKET.
  send(fields: NotifyFields): void;
  ready(options?: { status?: string; mainPid?: number }): void;
  status(text: string): void;
  // Type=notify-reload: RELOADING=1 with MONOTONIC_USEC (CLOCK_MONOTONIC); READY=1 ends the reload.
  reloading(status?: string): void;
  stopping(status?: string): void;
  watchdog(): void;
  extendTimeout(usec: number | bigint): void;
  errno(errno: number): void;
}

export interface NotifierOptions {
  // How to load the native binding (default: require('sd-notify')).
  loadBinding?: BindingLoader;
}

// CLOCK_MONOTONIC in microseconds: process.hrtime is CLOCK_MONOTONIC on Linux.
export function monotonicUsec(): bigint {
  return process.hrtime.bigint() / 1000n;
}

export function formatNotifyFields(fields: NotifyFields): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    const text = String(value);
    if (name === '' || name.includes('=') || name.includes('\n') || text.includes('\n')) throw systemdErrNotifyField(name);
    lines.push(`${name}=${text}`);
  }
  return lines.join('\n');
}

export function createNotifier(options: NotifierOptions = {}): Notifier {
  // libsystemd reads NOTIFY_SOCKET from the real process environment, so that is what we consult.
  const env = process.env;
  const load = options.loadBinding ?? defaultLoader;
  let binding: Binding | undefined;

  function socketSet(): boolean {
    const socket = env['NOTIFY_SOCKET'];
    return socket !== undefined && socket !== '';
  }

  function send(fields: NotifyFields): void {
    if (!socketSet()) return;
    const state = formatNotifyFields(fields);
    if (binding === undefined) {
      try {
        binding = load();
      } catch (err) {
        throw systemdErrNotifyUnavailable(err);
      }
    }
    binding.sendState(state);
  }

  const withStatus = (fields: Record<string, string | number | bigint>, status: string | undefined) =>
    status === undefined ? fields : { ...fields, STATUS: status };

  return {
    get enabled() {
      return socketSet();
    },
    send,
    ready(opts = {}) {
      const fields: Record<string, string | number> = { READY: 1 };
      if (opts.status !== undefined) fields['STATUS'] = opts.status;
      if (opts.mainPid !== undefined) fields['MAINPID'] = opts.mainPid;
      send(fields);
    },
    status(text) {
      send({ STATUS: text });
    },
    reloading(status) {
      send(withStatus({ RELOADING: 1, MONOTONIC_USEC: monotonicUsec() }, status));
    },
    stopping(status) {
      send(withStatus({ STOPPING: 1 }, status));
    },
    watchdog() {
      send({ WATCHDOG: 1 });
    },
    extendTimeout(usec) {
      send({ EXTEND_TIMEOUT_USEC: usec });
    },
    errno(errno) {
      send({ ERRNO: errno });
    },
  };
}

// The variables systemd hands to the service process only; a child must not act on them.
export const SYSTEMD_SERVICE_ENV = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES'] as const;

export function withoutSystemdEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of SYSTEMD_SERVICE_ENV) delete copy[name];
  return copy;
}

// The process-wide notifier most callers want.
export const systemdNotify: Notifier = createNotifier();
