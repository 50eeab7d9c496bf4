// Public surface of @libs/process.
export { ProcessError, processErrors, type ProcessErrorCode } from './lib/errors';
export { openPidFile, parsePid, isProcessRunning, type PidFile, type PidFileOptions } from './lib/pid-file';
export {
  daemonize,
  isDaemonChild,
  DEFAULT_DAEMON_MARKER,
  type DaemonHandle,
  type DaemonizeOptions,
} from './lib/daemonize';
export {
  createSignalEvents,
  HTTPD_SIGNAL_INTENTS,
  FPM_SIGNAL_INTENTS,
  type SignalMap,
  type IntentOf,
  type HttpdIntent,
  type FpmIntent,
  type SignalEvent,
  type SignalListener,
  type SignalEvents,
} from './lib/signal-events';
export { supervisorErrors, type SupervisorErrorCode, type SupervisorError } from './lib/supervisor-errors';
export { DeadlineTimer } from './lib/supervisor-deadlines';
export {
  asChannelMessage,
  parseParentCommand,
  parseWorkerReport,
  type ChannelMessage,
  type CustomMessageGuard,
  type ParentCommand,
  type WorkerReport,
  type WorkerStatus,
  type QuitCommand,
  type TerminateCommand,
  type ReopenLogsCommand,
  type StatusQuery,
  type HeartbeatPing,
  type ReadyReport,
  type HeartbeatPong,
  type StatusReply,
} from './lib/channel-messages';
export { connectToParent, type ParentChannel, type ParentChannelOptions, type StatusHandler } from './lib/channel-worker';
export {
  describeExit,
  exitSeverity,
  formatLifetime,
  isAbnormalExit,
  signalNumber,
  type WorkerExit,
} from './lib/worker-exit';
export { pipeLines, DEFAULT_LINE_LIMIT, type OutputLineHandler, type OutputStream } from './lib/worker-output';
export {
  bindInheritableSocket,
  listeningFdOf,
  type InheritableSocket,
  type SocketAddress,
} from './lib/worker-listen-socket';
export {
  WorkerProcess,
  DEFAULT_GRACEFUL_TIMEOUT_MS,
  DEFAULT_TERM_TIMEOUT_MS,
  type ListenPlacement,
  type StopOptions,
  type WorkerProcessEvents,
  type WorkerProcessOptions,
  type WorkerSpec,
  type WorkerState,
} from './lib/worker-process';
export { CrashStormDetector, type CrashStorm, type CrashStormEvents } from './lib/crash-storm-detector';
export { HeartbeatMonitor, heartbeatSilenceMs, type HeartbeatResult, type HeartbeatTarget } from './lib/heartbeat-monitor';
export {
  WorkerGroup,
  type CrashStormLimits,
  type GroupMember,
  type WaitCheck,
  type WorkerGroupEvents,
  type WorkerGroupOptions,
} from './lib/worker-group';
export { FixedSlots, type FixedSlotsOptions, type SpawnCause } from './lib/fixed-slots';
export {
  Supervisor,
  WORKER_SLOT_ENV,
  WORKER_GENERATION_ENV,
  type GenerationReplaced,
  type SupervisedExit,
  type SupervisorEvents,
  type SupervisorOptions,
  type WorkerRef,
  type WorkerStatusEntry,
} from './lib/supervisor';
