// php-fpm's status page (fpm_status.c) in its five formats, field for field, so existing
// monitoring keeps working: text (default), ?json, ?xml, ?html, ?openmetrics, each with &full.
import type { PoolScoreboard, ProcessSlot } from './scoreboard';

export type StatusFormat = 'text' | 'json' | 'xml' | 'html' | 'openmetrics';

export interface StatusPage {
  contentType: string;
  body: string;
}

export const STATUS_NO_CACHE_HEADERS: Readonly<Record<string, string>> = {
  Expires: 'Thu, 01 Jan 1970 00:00:00 GMT',
  'Cache-Control': 'no-cache, no-store, must-revalidate, max-age=0',
};

/** Reads the format and &full from QUERY_STRING as php-fpm does (presence of the word). */
export function statusRequest(query: string): { format: StatusFormat; full: boolean } {
  const words = new Set(query.split('&').map((w) => w.split('=')[0]));
  // php-fpm's precedence when several are given: html, xml, json, openmetrics.
  const format: StatusFormat = words.has('html')
    ? 'html'
    : words.has('xml')
      ? 'xml'
      : words.has('json')
        ? 'json'
        : words.has('openmetrics')
          ? 'openmetrics'
          : 'text';
  return { format, full: words.has('full') };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** strftime("%d/%b/%Y:%H:%M:%S %z") in the local zone, as php-fpm prints start times. */
export function formatStatusTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return (
    `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

type Field = readonly [label: string, value: string | number, kind: 'str' | 'num' | 'time' | 'cpu'];

function poolFields(s: PoolScoreboard, now: number): Field[] {
  return [
    ['pool', s.pool, 'str'],
    ['process manager', s.processManager, 'str'],
    ['start time', s.startTime, 'time'],
    ['start since', now - s.startTime, 'num'],
    ['accepted conn', s.acceptedConn, 'num'],
    ['listen queue', s.listenQueue, 'num'],
    ['max listen queue', s.maxListenQueue, 'num'],
    ['listen queue len', s.listenQueueLen, 'num'],
    ['idle processes', s.idle, 'num'],
    ['active processes', s.active, 'num'],
    ['total processes', s.total, 'num'],
    ['max active processes', s.maxActive, 'num'],
    ['max children reached', s.maxChildrenReached, 'num'],
    ['slow requests', s.slowRequests, 'num'],
  ];
}

function processFields(p: ProcessSlot, now: number): Field[] {
  return [
    ['pid', p.pid, 'num'],
    ['state', p.state, 'str'],
    ['start time', p.startTime, 'time'],
    ['start since', now - p.startTime, 'num'],
    ['requests', p.requests, 'num'],
    ['request duration', p.requestDuration, 'num'],
    ['request method', p.requestMethod, 'str'],
    ['request URI', p.requestUri, 'str'],
    ['content length', p.contentLength, 'num'],
    ['user', p.user, 'str'],
    ['script', p.script, 'str'],
    ['last request cpu', p.lastRequestCpu, 'cpu'],
    ['last request memory', p.lastRequestMemory, 'num'],
  ];
}

const textValue = ([, value, kind]: Field): string =>
  kind === 'time' ? formatStatusTime(value as number) : kind === 'cpu' ? (value as number).toFixed(2) : String(value);

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function renderText(s: PoolScoreboard, full: boolean, now: number): string {
  const line = (f: Field): string => `${(f[0] + ':').padEnd(22)}${textValue(f)}\n`;
  let out = poolFields(s, now).map(line).join('');
  if (full) for (const p of s.processes) out += '\n************************\n' + processFields(p, now).map(line).join('');
  return out;
}

function jsonValue([, value, kind]: Field): string {
  if (kind === 'str') return JSON.stringify(value).replace(/\//g, '\\/');
  if (kind === 'cpu') return (value as number).toFixed(2);
  return String(value);
}

function renderJson(s: PoolScoreboard, full: boolean, now: number): string {
  const object = (fields: Field[], lower: boolean): string =>
    '{' + fields.map((f) => `"${lower ? f[0].toLowerCase() : f[0]}":${jsonValue(f)}`).join(',');
  let out = object(poolFields(s, now), false);
  if (full) out += ', "processes":[' + s.processes.map((p) => object(processFields(p, now), true) + '}').join(',') + ']';
  return out + '}';
}

function renderXml(s: PoolScoreboard, full: boolean, now: number): string {
  const tag = (f: Field): string => {
    const name = f[0].toLowerCase().replace(/ /g, '-');
    const value = f[2] === 'cpu' ? (f[1] as number).toFixed(2) : f[2] === 'str' ? escapeHtml(String(f[1])) : String(f[1]);
    return `<${name}>${value}</${name}>\n`;
  };
  let out = '<?xml version="1.0" ?>\n<status>\n' + poolFields(s, now).map(tag).join('');
  if (full) out += '<processes>\n' + s.processes.map((p) => '<process>\n' + processFields(p, now).map(tag).join('') + '</process>\n').join('') + '</processes>\n';
  return out + '</status>';
}

function renderHtml(s: PoolScoreboard, full: boolean, now: number): string {
  const row = (f: Field): string => `<tr><th>${f[0]}</th><td>${escapeHtml(textValue(f))}</td></tr>\n`;
  let out =
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n' +
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n<head><title>fpm-ts Status Page</title></head>\n<body>\n<table>\n' +
    poolFields(s, now).map(row).join('') +
    '</table>\n';
  if (full && s.processes.length > 0) {
    const headers = processFields(s.processes[0] as ProcessSlot, now).map((f) => `<th>${f[0]}</th>`).join('');
    out += '<table border="1">\n<tr>' + headers + '</tr>\n';
    for (const p of s.processes) out += '<tr>' + processFields(p, now).map((f) => `<td>${escapeHtml(textValue(f))}</td>`).join('') + '</tr>\n';
    out += '</table>\n';
  }
  return out + '</body></html>';
}

// Metric names stay php-fpm's so existing exporters and dashboards read them unchanged.
const METRICS: ReadonlyArray<readonly [name: string, type: 'gauge' | 'counter', help: string, pick: (s: PoolScoreboard, now: number) => number]> = [
  ['phpfpm_start_since', 'counter', 'The number of seconds since FPM has started.', (s, now) => now - s.startTime],
  ['phpfpm_accepted_connections', 'counter', 'The number of requests accepted by the pool.', (s) => s.acceptedConn],
  ['phpfpm_listen_queue', 'gauge', 'The number of requests in the queue of pending connections.', (s) => s.listenQueue],
  ['phpfpm_max_listen_queue', 'counter', 'The maximum number of requests in the queue of pending connections since FPM has started.', (s) => s.maxListenQueue],
  ['phpfpm_listen_queue_length', 'gauge', 'The size of the socket queue of pending connections.', (s) => s.listenQueueLen],
  ['phpfpm_idle_processes', 'gauge', 'The number of idle processes.', (s) => s.idle],
  ['phpfpm_active_processes', 'gauge', 'The number of active processes.', (s) => s.active],
  ['phpfpm_total_processes', 'gauge', 'The number of idle + active processes.', (s) => s.total],
  ['phpfpm_max_active_processes', 'counter', 'The maximum number of active processes since FPM has started.', (s) => s.maxActive],
  ['phpfpm_max_children_reached', 'counter', "The number of times, the process limit has been reached, when pm tries to start more children (works only for pm 'dynamic' and 'ondemand').", (s) => s.maxChildrenReached],
  ['phpfpm_slow_requests', 'counter', "The number of requests that exceeded your 'request_slowlog_timeout' value.", (s) => s.slowRequests],
];

function renderOpenMetrics(s: PoolScoreboard, full: boolean, now: number): string {
  let out =
    `# HELP phpfpm_up Could pool ${s.pool} using a ${s.processManager} PM on fpm-ts be reached?\n` +
    '# TYPE phpfpm_up gauge\nphpfpm_up 1\n';
  for (const [name, type, help, pick] of METRICS) out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${pick(s, now)}\n`;
  if (full) {
    const label = (p: ProcessSlot): string => `{pid="${p.pid}"}`;
    out += '# HELP phpfpm_process_requests The number of requests the process has accepted.\n# TYPE phpfpm_process_requests counter\n';
    for (const p of s.processes) out += `phpfpm_process_requests${label(p)} ${p.requests}\n`;
    out += '# HELP phpfpm_process_request_duration The duration in microseconds of the requests.\n# TYPE phpfpm_process_request_duration gauge\n';
    for (const p of s.processes) out += `phpfpm_process_request_duration${label(p)} ${p.requestDuration}\n`;
    out += '# HELP phpfpm_process_last_request_memory The max amount of memory the last request consumed.\n# TYPE phpfpm_process_last_request_memory gauge\n';
    for (const p of s.processes) out += `phpfpm_process_last_request_memory${label(p)} ${p.lastRequestMemory}\n`;
  }
  return out + '# EOF\n';
}

const CONTENT_TYPES: Readonly<Record<StatusFormat, string>> = {
  text: 'text/plain;charset=UTF-8',
  json: 'application/json',
  xml: 'text/xml;charset=UTF-8',
  html: 'text/html;charset=UTF-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

export function renderStatus(s: PoolScoreboard, format: StatusFormat, full: boolean, nowSeconds = Math.floor(Date.now() / 1000)): StatusPage {
  const render = { text: renderText, json: renderJson, xml: renderXml, html: renderHtml, openmetrics: renderOpenMetrics }[format];
  return { contentType: CONTENT_TYPES[format], body: render(s, full, nowSeconds) };
}
