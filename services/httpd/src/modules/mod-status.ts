// mod_status (lighttpd 1.4.69 src/mod_status.c): status.status-url answers the status page (HTML,
// "?auto", "?json", and "?openmetrics", an httpd-ts addition), status.config-url the loaded
// modules, status.statistics-url the statistics modules publish. Each worker counts its own
// requests and bytes out (handle_request_done, the 1-second trigger's sliding window) and publishes
// them with its connections in its status report; a page sums every worker's report, gathered
// asynchronously (the request waits for it as for any other I/O), where lighttpd shows only the
// worker that answered. Access control is the config's: $HTTP["remoteip"] around the URLs.
import { HandlerResult, type DirectiveSpec, type ModuleConfig } from '@libs/plugins';
import type { HttpPlugin, ServerView } from '../core/plugin';
import type { Request } from '../core/request';
import type { WorkerStatusReport } from '../core/worker-status';
import { StatusCounters } from './status-counters';
import { configHtml, statusHtml } from './status-html';
import { OPENMETRICS_CONTENT_TYPE, statusOpenMetrics } from './status-openmetrics';
import { statisticsText, statusAuto, statusJson } from './status-text';
import { STATUS_SECTION, sumReports, sumStatistics } from './status-totals';

export const STATUS_SPECS: readonly DirectiveSpec[] = Object.freeze([
  { key: 'status.status-url', type: 'string', scope: 'connection', default: '' },
  { key: 'status.config-url', type: 'string', scope: 'connection', default: '' },
  { key: 'status.statistics-url', type: 'string', scope: 'connection', default: '' },
  { key: 'status.enable-sort', type: 'boolean', scope: 'connection', default: true },
]);

/** STATUS_SPECS as request code reads them ('' leaves a page off, as upstream's blank value). */
interface StatusConfig {
  readonly 'status.status-url': string;
  readonly 'status.config-url': string;
  readonly 'status.statistics-url': string;
  readonly 'status.enable-sort': boolean;
}

type Page = 'status' | 'statistics';

/** A status or statistics request waiting for the workers' reports. */
interface Job {
  readonly page: Page;
  reports: readonly WorkerStatusReport[] | null;
}

function answer(r: Request, status: number, contentType: string, body: string | null): HandlerResult {
  r.status = status;
  r.setHeader('Content-Type', contentType);
  if (body !== null) r.appendBody(Buffer.from(body, 'latin1'));
  return HandlerResult.Finished;
}

/** mod_status_handle_server_status: the form is chosen by the query ("auto" exactly, "json..." and "openmetrics..." as prefixes). */
function statusPage(r: Request, reports: readonly WorkerStatusReport[], sort: boolean): HandlerResult {
  const totals = sumReports(reports);
  const now = r.env.now;
  const uptime = Math.max(0, now - Math.floor(totals.startedAt / 1000));
  const q = r.queryString;
  if (q === 'auto') return answer(r, 200, 'text/plain', statusAuto(totals, uptime));
  if (q.startsWith('json')) return answer(r, 200, 'application/javascript', statusJson(totals, uptime, q));
  if (q.startsWith('openmetrics')) return answer(r, 200, OPENMETRICS_CONTENT_TYPE, statusOpenMetrics(totals, uptime));
  const conf = r.conf;
  const html = statusHtml(totals, { now, serverTag: conf['server.tag'], authority: r.head.host, serverName: conf['server.name'], query: q, sort });
  return answer(r, 200, 'text/html', html);
}

export function createModStatus(): HttpPlugin {
  let mc: ModuleConfig<StatusConfig> | null = null;
  let srv: ServerView | null = null;
  const counters = new StatusCounters();
  const jobs = new WeakMap<Request, Job>();

  const server = (): ServerView => {
    if (srv === null) throw new Error('mod_status: a request before workerInit');
    return srv;
  };

  return {
    name: 'mod_status',
    directives: STATUS_SPECS,
    setDefaults(ctx) {
      mc = ctx.config.typed<StatusConfig>();
      return HandlerResult.GoOn;
    },
    workerInit(s) {
      srv = s;
      s.publishStatus(STATUS_SECTION, () => counters.section(s));
      return HandlerResult.GoOn;
    },
    handleUriClean(r: Request): HandlerResult {
      if (r.handler !== null || mc === null) return HandlerResult.GoOn;
      const conf = r.config(mc);
      const is = (key: Exclude<keyof StatusConfig, 'status.enable-sort'>): boolean => conf[key] !== '' && conf[key] === r.url;
      let page: Page;
      if (is('status.status-url')) page = 'status';
      else if (is('status.config-url')) return answer(r, 200, 'text/html', configHtml(r.conf['server.tag'], server().moduleNames));
      else if (is('status.statistics-url')) page = 'statistics';
      else return HandlerResult.GoOn;
      // the reports come asynchronously: this module becomes the handler and waits for them
      r.handler = this as HttpPlugin;
      jobs.set(r, { page, reports: null });
      return HandlerResult.GoOn;
    },
    handleSubrequest(r: Request): HandlerResult {
      const job = jobs.get(r);
      if (job === undefined) return HandlerResult.Finished;
      const reports = job.reports;
      if (reports === null) {
        r.wait(
          server()
            .gatherStatus()
            .then((got) => {
              job.reports = got;
            }),
        );
        return HandlerResult.WaitForEvent;
      }
      jobs.delete(r);
      if (job.page === 'status') return statusPage(r, reports, r.config(mc as ModuleConfig<StatusConfig>)['status.enable-sort']);
      const text = statisticsText(sumStatistics(reports));
      // nothing to send: upstream answers 204, with its Content-Type
      return text === null ? answer(r, 204, 'text/plain', null) : answer(r, 200, 'text/plain', text);
    },
    handleRequestDone(): HandlerResult {
      counters.requestDone();
      return HandlerResult.GoOn;
    },
    handleRequestReset(r: Request): HandlerResult {
      jobs.delete(r);
      return HandlerResult.GoOn;
    },
    handleConnectionClose(c): HandlerResult {
      counters.connectionClosed(c);
      return HandlerResult.GoOn;
    },
    handleTrigger(s): HandlerResult {
      counters.trigger(s);
      return HandlerResult.GoOn;
    },
  };
}
