// White-box: mod_status sums every worker's report (lighttpd shows one worker's counters), and its
// number formats follow mod_status.c's mod_status_get_multiplier and uptime text.
import type { WorkerStatusReport } from '../core/worker-status';
import { KEEP_ALIVE, type StatusConnection, type StatusSection } from './status-counters';
import { formatUptime, statusHtml, withMultiplier } from './status-html';
import { statusOpenMetrics } from './status-openmetrics';
import { statusAuto, statusJson } from './status-text';
import { STATUS_SECTION, sumReports, sumStatistics } from './status-totals';

const row = (state: number, ip: string): StatusConnection => ({
  ip,
  readIn: 0,
  readLength: 0,
  writtenOut: 0,
  writtenIn: 0,
  state,
  start: 1000,
  host: 'h',
  uri: '/u (/u)',
  file: '',
});

function report(pid: number, startedAt: number, section: StatusSection, extra: Record<string, unknown> = {}): WorkerStatusReport {
  return { pid, startedAt, generation: 1, connections: section.connections.length, requests: 0, rss: 0, sections: { [STATUS_SECTION]: section, ...extra } };
}

const A: StatusSection = { requests: 10, traffic: 4096, requests5s: 10, traffic5s: 5120, maxConnections: 50, connections: [row(5, '127.0.0.1')] };
const B: StatusSection = { requests: 5, traffic: 2048, requests5s: 5, traffic5s: 0, maxConnections: 50, connections: [row(KEEP_ALIVE, '127.0.0.2'), row(2, '127.0.0.3')] };

describe('sumReports', () => {
  const t = sumReports([report(1, 5000, A), report(2, 3000, B)]);

  it('adds the counters, windows, limits and connections of every worker; the oldest start counts', () => {
    expect(t).toMatchObject({ workers: 2, startedAt: 3000, requests: 15, traffic: 6144, requests5s: 15, traffic5s: 5120, maxConnections: 100 });
    expect(t.connections.map((c) => c.ip)).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
  });

  it('?auto and ?json show the whole server', () => {
    expect(statusAuto(t, 7)).toBe(`Total Accesses: 15\nTotal kBytes: 6\nUptime: 7\nBusyServers: 3\nIdleServers: 97\nScoreboard: hkr${'_'.repeat(97)}\n`);
    expect(JSON.parse(statusJson(t, 7, 'json'))).toEqual({
      RequestsTotal: 15,
      TrafficTotal: 6,
      Uptime: 7,
      BusyServers: 3,
      IdleServers: 97,
      RequestAverage5s: 3,
      TrafficAverage5s: 1,
    });
    expect(statusJson(t, 7, 'jsonp=1bad')).not.toContain('(');
  });

  it('the HTML page breaks the scoreboard every 50 connections and counts each state', () => {
    const many = sumReports([report(1, 0, { ...A, connections: Array.from({ length: 51 }, () => row(7, '::1')) })]);
    const html = statusHtml(many, { now: 100, serverTag: '', authority: 'x', serverName: 'n<', query: '', sort: false });
    expect(html).toContain(`<b>51 connections</b>\n${'W'.repeat(50)}\nW\n\n<table>`);
    expect(html).toContain('<tr><td style="text-align:right">51</td><td>&nbsp;&nbsp;W = write</td></tr>');
    expect(html).toContain('<h1>Server-Status</h1>');
    expect(html).toContain('<td class="string">x (n&#x3C;)</td>');
  });

  it('a report without a mod_status section (a worker without the module) adds nothing but itself', () => {
    expect(sumReports([report(1, 0, A), { ...report(2, 0, A), sections: {} }])).toMatchObject({ workers: 2, requests: 10 });
  });

  it('OpenMetrics shows the sums', () => {
    const text = statusOpenMetrics(t, 7);
    expect(text).toContain('httpd_ts_requests_total 15\n');
    expect(text).toContain('httpd_ts_connections{state="keep-alive"} 1\n');
    expect(text).toContain('httpd_ts_workers 2\n');
  });
});

describe('sumStatistics', () => {
  it('sums each key over the workers and orders keys as lighttpd (length, then case-insensitive)', () => {
    const s = { statistics: { 'x.bb': 1, 'x.A': 2, 'x.a1': 3 } };
    expect(sumStatistics([report(1, 0, A, { mod_x: s }), report(2, 0, B, { mod_x: s, mod_y: 'not an object' })])).toEqual([
      ['x.A', 4],
      ['x.a1', 6],
      ['x.bb', 2],
    ]);
  });
});

describe('number formats', () => {
  it('mod_status_get_multiplier: integers by 1000, two decimals by 1024, a space and the unit', () => {
    expect(withMultiplier(4, 1000)).toBe('4  ');
    expect(withMultiplier(1000, 1000)).toBe('1000  ');
    expect(withMultiplier(1500, 1000)).toBe('1 k');
    expect(withMultiplier(3717, 1024)).toBe('3.63 k');
    expect(withMultiplier(743.2, 1024)).toBe('743.20  ');
    expect(withMultiplier(3 * 1024 * 1024 * 1024, 1024)).toBe('3.00 G');
  });

  it('uptime names only the parts that are not zero, seconds always', () => {
    expect(formatUptime(2)).toBe('2 s');
    expect(formatUptime(60)).toBe('1 min 0 s');
    expect(formatUptime(90061)).toBe('1 days 1 hours 1 min 1 s');
  });
});
