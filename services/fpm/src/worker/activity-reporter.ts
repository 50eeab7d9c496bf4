// The worker's side of the scoreboard: requests are noted as they start and end (a Map entry,
// no message), and a summary goes to the master at most every intervalMs: how many
// started, which still run, the last one finished. The master's status page, pm arithmetic and
// request timeouts need no more than that, and it costs one message per interval, not two per
// request.
import type { ActivityReport, FinishedRequestInfo, RequestInfo, RunningRequestInfo } from './worker-messages';

/**
 * The default: a few reports per second are all a static or dynamic pool's master needs (its
 * maintenance runs once a second; a status page asks for a fresh report). Each report wakes the
 * master: at 25 ms, four busy workers on a core shared with nginx cost the master 2-5 µs per
 * request, about a tenth of fpm-ts's CPU per request there.
 */
export const REPORT_INTERVAL_MS = 100;

interface Running {
  readonly params: ReadonlyMap<string, string>;
  readonly startedAt: number;
}

export class ActivityReporter {
  private readonly running = new Map<number, Running>();
  private started = 0;
  private last: { params: ReadonlyMap<string, string>; durationUs: number; cpu: number; memory: number } | null = null;
  private changed = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private lastReportAt = 0;

  /**
   * `intervalMs`: at most one report this often. An ondemand pool's master hands each connection
   * to an idle worker, so its workers report every change at the end of the loop turn (0).
   */
  constructor(
    private readonly send: (report: ActivityReport) => void,
    private readonly intervalMs = REPORT_INTERVAL_MS,
  ) {}

  begin(id: number, params: ReadonlyMap<string, string>): void {
    this.running.set(id, { params, startedAt: Date.now() });
    this.started++;
    this.changed = true;
    // A handler may block the event loop (a synchronous loop) before a deferred report could
    // leave: when a report is due, it goes now, before the handler runs. Within an interval of
    // the last one, the master's heartbeat finds a blocked loop (see Pool.checkSilent).
    if (this.lastReportAt + this.intervalMs <= performance.now()) this.flush();
    else this.schedule();
  }

  end(id: number, durationUs: number, cpu: number, memory: number): void {
    const request = this.running.get(id);
    if (request === undefined) return;
    this.running.delete(id);
    this.last = { params: request.params, durationUs, cpu, memory };
    this.changed = true;
    this.schedule();
  }

  /**
   * Sends what changed since the last report now (a status page must count its own request);
   * `always`: a report even when nothing changed (the master is waiting for one).
   */
  flush(always = false): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = this.immediate = null;
    if (!this.changed && !always) return;
    this.changed = false;
    this.lastReportAt = performance.now();
    const running: RunningRequestInfo[] = [];
    for (const [id, request] of this.running) running.push({ ...requestInfo(request.params), id, startedAt: request.startedAt });
    const last: FinishedRequestInfo | null =
      this.last === null ? null : { ...requestInfo(this.last.params), durationUs: this.last.durationUs, cpu: this.last.cpu, memory: this.last.memory };
    const report: ActivityReport = { type: 'activity', started: this.started, running, last };
    this.started = 0;
    this.last = null;
    this.send(report);
  }

  private schedule(): void {
    if (this.timer !== null || this.immediate !== null) return;
    // A quiet worker reports at the end of this turn; a busy one once per interval.
    const wait = this.lastReportAt + this.intervalMs - performance.now();
    if (wait <= 0) this.immediate = setImmediate(() => this.flush());
    else this.timer = setTimeout(() => this.flush(), wait);
  }
}

/** The scoreboard fields of a request, from its FastCGI params. */
export function requestInfo(params: ReadonlyMap<string, string>): RequestInfo {
  return {
    method: params.get('REQUEST_METHOD') ?? '-',
    uri: requestUri(params),
    script: params.get('SCRIPT_FILENAME') ?? '-',
    contentLength: Number(params.get('CONTENT_LENGTH') ?? 0) || 0,
    user: params.get('REMOTE_USER') ?? '-',
  };
}

function requestUri(params: ReadonlyMap<string, string>): string {
  const query = params.get('QUERY_STRING') ?? '';
  const uri = params.get('REQUEST_URI') ?? params.get('SCRIPT_NAME') ?? '-';
  return query !== '' && !uri.includes('?') ? `${uri}?${query}` : uri;
}
