// What one serving process counts for mod_status and publishes in its status report (lighttpd
// 1.4.69 mod_status.c plugin_data, mod_status_account, mod_status_trigger, and the rows of
// mod_status_html_rtable_r): requests and bytes out since start, the 5-second sliding windows,
// and one row per open connection. Plain data: the section crosses the watcher's channel.
import type { ConnectionView, ServerView } from '../core/plugin';

/** The state column of a connection kept alive between requests ('k'), after lighttpd's request states. */
export const KEEP_ALIVE = -1;

/** One row of the connection table (mod_status_html_rtable_r). */
export interface StatusConnection {
  readonly ip: string;
  /** Request body bytes received and the announced length (0/0 without a body). */
  readonly readIn: number;
  readonly readLength: number;
  /** Response bytes sent and produced. */
  readonly writtenOut: number;
  readonly writtenIn: number;
  /** RequestState, or KEEP_ALIVE. */
  readonly state: number;
  /** Trigger seconds (since the epoch) when the request began; the page shows how long ago. */
  readonly start: number;
  readonly host: string;
  /** Path, query and the original request-target, as lighttpd's URI column. */
  readonly uri: string;
  readonly file: string;
}

/** What mod_status publishes in each worker's report (sections['mod_status']). */
export interface StatusSection {
  /** Requests done since this worker started (lighttpd abs_requests). */
  readonly requests: number;
  /** Bytes written to clients since this worker started, heads included (abs_traffic_out). */
  readonly traffic: number;
  /** The last five seconds' requests and bytes (the sums of requests_5s and traffic_out_5s). */
  readonly requests5s: number;
  readonly traffic5s: number;
  /** server.max-connections as this worker applies it. */
  readonly maxConnections: number;
  /** Newest first, as lighttpd's srv->conns list. */
  readonly connections: readonly StatusConnection[];
}

const SLOTS = 5;

export class StatusCounters {
  private requests = 0;
  /** Bytes written by connections already closed (open ones count their own). */
  private closedTraffic = 0;
  private lastRequests = 0;
  private lastTraffic = 0;
  private readonly requestsSlots = new Array<number>(SLOTS).fill(0);
  private readonly trafficSlots = new Array<number>(SLOTS).fill(0);
  private slot = 0;

  /** handle_request_done (mod_status_account). */
  requestDone(): void {
    this.requests++;
  }

  /** A connection closed: its bytes stay counted. */
  connectionClosed(c: ConnectionView): void {
    this.closedTraffic += c.bytesWritten;
  }

  /**
   * The 1-second trigger (mod_status_trigger): this second's requests and bytes into the sliding
   * window. The totals are counted exactly whenever asked, not only once a second as upstream.
   */
  trigger(srv: ServerView): void {
    const traffic = this.traffic(srv);
    this.requestsSlots[this.slot] = this.requests - this.lastRequests;
    this.trafficSlots[this.slot] = traffic - this.lastTraffic;
    this.slot = (this.slot + 1) % SLOTS;
    this.lastRequests = this.requests;
    this.lastTraffic = traffic;
  }

  section(srv: ServerView): StatusSection {
    const rows: StatusConnection[] = [];
    for (const c of srv.liveConnections()) rows.push(connectionRow(c));
    rows.reverse();
    return {
      requests: this.requests,
      traffic: this.traffic(srv),
      requests5s: sum(this.requestsSlots),
      traffic5s: sum(this.trafficSlots),
      maxConnections: srv.maxConnections,
      connections: rows,
    };
  }

  private traffic(srv: ServerView): number {
    let bytes = this.closedTraffic;
    for (const c of srv.liveConnections()) bytes += c.bytesWritten;
    return bytes;
  }
}

function sum(a: readonly number[]): number {
  let n = 0;
  for (const v of a) n += v;
  return n;
}

/** mod_status_html_rtable_r: a kept-alive connection shows its last request's host and URI only. */
function connectionRow(c: ConnectionView): StatusConnection {
  const r = c.request;
  const keepAlive = c.keepAlive;
  const base = { ip: c.remoteIp, state: keepAlive ? KEEP_ALIVE : c.state, start: c.requestStart };
  if (r === null) return { ...base, readIn: 0, readLength: 0, writtenOut: 0, writtenIn: 0, host: '', uri: '', file: '' };
  const name = r.conf['server.name'];
  const target = r.head.uri;
  const uri = r.url + (r.queryString !== '' ? '?' + r.queryString : '') + (target !== '' ? ` (${target})` : '');
  const host = name !== '' ? name : r.head.host;
  if (keepAlive) return { ...base, readIn: 0, readLength: 0, writtenOut: 0, writtenIn: 0, host, uri, file: '' };
  const length = r.reqBodyLength;
  return {
    ...base,
    readIn: length !== 0 ? r.reqBody.bytesIn : 0,
    readLength: length,
    writtenOut: r.respBody.bytesOut,
    writtenIn: r.respBody.bytesIn,
    host,
    uri,
    file: r.physicalPath,
  };
}

/** lighttpd's request state names (request.c http_request_state_append), by RequestState. */
const STATE_NAMES = ['connect', 'req-start', 'read', 'req-end', 'readpost', 'handle-req', 'resp-start', 'write', 'resp-end', 'error', 'close'];
/** And their one-letter forms (http_request_state_short). */
const STATE_SHORT = '.qrQRhsWSEC';

/** Every state in lighttpd's order, for the counts under the scoreboard. */
export const ALL_STATES: readonly number[] = STATE_NAMES.map((_, i) => i);

export function stateName(state: number): string {
  return state === KEEP_ALIVE ? 'keep-alive' : (STATE_NAMES[state] ?? '(unknown)');
}

export function stateShort(state: number): string {
  return state === KEEP_ALIVE ? 'k' : (STATE_SHORT[state] ?? 'x');
}
