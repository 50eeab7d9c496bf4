// The parent<->worker command channel's message set: nginx's channel commands (NGX_CMD_QUIT,
// NGX_CMD_TERMINATE, NGX_CMD_REOPEN in ngx_channel.h) carried over Node's IPC, plus heartbeat and status.

/** Anything a service adds to the channel: a plain JSON object with a string `type`. */
export interface ChannelMessage {
  readonly type: string;
}

/** Free-form JSON payload of a status reply (a scoreboard slot, request counters, ...). */
export type WorkerStatus = Record<string, unknown>;

// parent -> worker
export interface QuitCommand {
  readonly type: 'quit';
}
export interface TerminateCommand {
  readonly type: 'terminate';
}
export interface ReopenLogsCommand {
  readonly type: 'reopen-logs';
}
export interface StatusQuery {
  readonly type: 'status-query';
  readonly id: number;
}
export interface HeartbeatPing {
  readonly type: 'heartbeat-ping';
  readonly seq: number;
}
export type ParentCommand = QuitCommand | TerminateCommand | ReopenLogsCommand | StatusQuery | HeartbeatPing;

// worker -> parent
export interface ReadyReport {
  readonly type: 'ready';
  readonly info?: WorkerStatus;
}
export interface HeartbeatPong {
  readonly type: 'heartbeat-pong';
  readonly seq: number;
}
export interface StatusReply {
  readonly type: 'status-reply';
  readonly id: number;
  readonly status: WorkerStatus;
}
export type WorkerReport = ReadyReport | HeartbeatPong | StatusReply;

/** Narrows a service's own messages; without one, unknown types are ignored (debug log). */
export type CustomMessageGuard<T extends ChannelMessage> = (msg: ChannelMessage) => msg is T;

const PARENT_TYPES = new Set<string>(['quit', 'terminate', 'reopen-logs', 'status-query', 'heartbeat-ping']);
const WORKER_TYPES = new Set<string>(['ready', 'heartbeat-pong', 'status-reply']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Any object with a string `type`; everything else on the IPC channel is not ours. */
export function asChannelMessage(raw: unknown): ChannelMessage | undefined {
  return isRecord(raw) && typeof raw['type'] === 'string' ? (raw as unknown as ChannelMessage) : undefined;
}

/** A well-formed command from the parent, or undefined. */
export function parseParentCommand(msg: ChannelMessage): ParentCommand | undefined {
  if (!PARENT_TYPES.has(msg.type)) return undefined;
  const r = msg as unknown as Record<string, unknown>;
  if (msg.type === 'status-query' && typeof r['id'] !== 'number') return undefined;
  if (msg.type === 'heartbeat-ping' && typeof r['seq'] !== 'number') return undefined;
  return msg as ParentCommand;
}

/** A well-formed report from a worker, or undefined. */
export function parseWorkerReport(msg: ChannelMessage): WorkerReport | undefined {
  if (!WORKER_TYPES.has(msg.type)) return undefined;
  const r = msg as unknown as Record<string, unknown>;
  if (msg.type === 'ready' && r['info'] !== undefined && !isRecord(r['info'])) return undefined;
  if (msg.type === 'heartbeat-pong' && typeof r['seq'] !== 'number') return undefined;
  if (msg.type === 'status-reply' && (typeof r['id'] !== 'number' || !isRecord(r['status']))) return undefined;
  return msg as WorkerReport;
}
