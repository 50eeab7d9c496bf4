// Public surface of @libs/systemd.
export {
  SystemdError,
  systemdErrNotifyUnavailable,
  systemdErrNotifyField,
  systemdErrNotSocket,
  systemdErrListenFds,
  type SystemdErrorCode,
} from './lib/errors';
export {
  createNotifier,
  systemdNotify,
  formatNotifyFields,
  monotonicUsec,
  withoutSystemdEnv,
  SYSTEMD_SERVICE_ENV,
  type Notifier,
  type NotifierOptions,
  type NotifyFields,
  type BindingLoader,
} from './lib/notify';
export {
  listenFds,
  listenOnActivated,
  serverAddress,
  unixSocketPath,
  SD_LISTEN_FDS_START,
  type ActivatedSocket,
  type ListenFdsOptions,
  type SocketAddress,
} from './lib/activation';
export {
  startWatchdog,
  watchdogUsec,
  createEventLoopLagProbe,
  type Watchdog,
  type WatchdogOptions,
  type WatchdogProbe,
  type ProbeResult,
  type EventLoopLagProbeOptions,
} from './lib/watchdog';
