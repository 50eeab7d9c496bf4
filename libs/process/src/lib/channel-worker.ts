// The worker's half of the command channel: nginx's ngx_channel_handler (quit, terminate, reopen)
// over Node's IPC, plus readiness, status replies and heartbeat answers.
import type { ServiceLog } from '@libs/log';
import {
  asChannelMessage,
  parseParentCommand,
  type ChannelMessage,
  type CustomMessageGuard,
  type ParentCommand,
  type WorkerReport,
  type WorkerStatus,
} from './channel-messages';
import { supervisorErrors } from './supervisor-errors';

export interface ParentChannelOptions<TDown extends ChannelMessage> {
  log?: ServiceLog;
  /** Recognises the service's own parent->worker messages; others are ignored with a debug line. */
  isCustom?: CustomMessageGuard<TDown>;
}

export type StatusHandler = () => WorkerStatus | Promise<WorkerStatus>;

export interface ParentChannel<TUp extends ChannelMessage, TDown extends ChannelMessage> {
  /** Tell the supervisor this worker accepts work (listening sockets open, handlers loaded). */
  ready(info?: WorkerStatus): void;
  /** Graceful stop: stop accepting, finish what is in flight, exit. Default: exit(0) at once. */
  onQuit(handler: () => void): this;
  /** Fast stop. Default: exit(0) at once. */
  onTerminate(handler: () => void): this;
  /** Reopen log files after rotation. Default: nothing to reopen. */
  onReopenLogs(handler: () => void): this;
  /** Payload of status replies. Default: pid, uptime and resident memory. */
  onStatus(handler: StatusHandler): this;
  onMessage(handler: (msg: TDown) => void): this;
  send(msg: TUp): void;
  /** Stop listening to the parent and drop the channel. */
  close(): void;
}

function defaultStatus(): WorkerStatus {
  return { pid: process.pid, uptimeMs: Math.round(process.uptime() * 1000), rss: process.memoryUsage.rss() };
}

/**
 * Connects this worker to its supervisor. Heartbeat pings are answered from the 'message'
 * handler, i.e. from this process's event loop: a worker whose loop is wedged stops answering,
 * which is exactly what the parent's watchdog probe needs to see.
 */
export function connectToParent<TUp extends ChannelMessage = never, TDown extends ChannelMessage = never>(
  options: ParentChannelOptions<TDown> = {},
): ParentChannel<TUp, TDown> {
  if (typeof process.send !== 'function') throw supervisorErrors.noParentChannel();
  const { log, isCustom } = options;
  let quit: () => void = () => process.exit(0);
  let terminate: () => void = () => process.exit(0);
  let reopenLogs: () => void = () => undefined;
  let status: StatusHandler = defaultStatus;
  const messageHandlers: Array<(msg: TDown) => void> = [];

  const post = (msg: WorkerReport | TUp): void => {
    if (!process.connected || typeof process.send !== 'function') return;
    // The callback form keeps a parent that went away from turning into an exception here.
    process.send(msg, undefined, {}, (err: Error | null) => {
      if (err) log?.debug(`sending "${msg.type}" to the parent failed: ${err.message}`);
    });
  };

  const answerStatus = async (id: number): Promise<void> => {
    let payload: WorkerStatus;
    try {
      payload = await status();
    } catch (err) {
      payload = { error: err instanceof Error ? err.message : String(err) };
    }
    post({ type: 'status-reply', id, status: payload });
  };

  const dispatch = (cmd: ParentCommand): void => {
    switch (cmd.type) {
      case 'heartbeat-ping':
        post({ type: 'heartbeat-pong', seq: cmd.seq });
        return;
      case 'quit':
        quit();
        return;
      case 'terminate':
        terminate();
        return;
      case 'reopen-logs':
        reopenLogs();
        return;
      case 'status-query':
        void answerStatus(cmd.id);
        return;
    }
  };

  const onMessage = (raw: unknown): void => {
    const msg = asChannelMessage(raw);
    const cmd = msg && parseParentCommand(msg);
    if (cmd) return dispatch(cmd);
    if (msg && isCustom?.(msg)) {
      for (const h of messageHandlers) h(msg);
      return;
    }
    log?.debug(`ignoring unknown message from the parent: ${JSON.stringify(raw)?.slice(0, 200)}`);
  };
  // Parent gone (crashed or exec'd away): nobody will escalate any more, so leave gracefully.
  const onDisconnect = (): void => quit();

  process.on('message', onMessage);
  process.on('disconnect', onDisconnect);
  // The channel alone must not keep a worker alive: after a graceful quit closes the listening
  // sockets, the loop drains and the process exits by itself.
  process.channel?.unref();

  const channel: ParentChannel<TUp, TDown> = {
    ready: (info) => post(info ? { type: 'ready', info } : { type: 'ready' }),
    onQuit(h) {
      quit = h;
      return channel;
    },
    onTerminate(h) {
      terminate = h;
      return channel;
    },
    onReopenLogs(h) {
      reopenLogs = h;
      return channel;
    },
    onStatus(h) {
      status = h;
      return channel;
    },
    onMessage(h) {
      messageHandlers.push(h);
      return channel;
    },
    send: (msg) => post(msg),
    close() {
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
      if (process.connected) process.disconnect();
    },
  };
  return channel;
}
