// The HTML pages of lighttpd 1.4.69 mod_status.c: the status page
// (mod_status_handle_server_status_html, with its sortable connection table and ?refresh=) and the
// config page (mod_status_handle_server_config). Same markup, text and number formats as upstream.
import { ALL_STATES, KEEP_ALIVE, stateName, stateShort, type StatusConnection } from './status-counters';
import type { StatusTotals } from './status-totals';

const XHTML_HEAD =
  '<?xml version="1.0" encoding="iso-8859-1"?>\n' +
  '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n' +
  '         "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n' +
  '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n' +
  ' <head>\n' +
  '  <title>Status</title>\n';

const STYLE =
  '  <style type="text/css">\n' +
  '    table.status { border: black solid thin; }\n' +
  '    td { white-space: nowrap; }\n' +
  '    td.int { background-color: #f0f0f0; text-align: right }\n' +
  '    td.string { background-color: #f0f0f0; text-align: left }\n' +
  '    th.status { background-color: black; color: white; font-weight: bold; }\n' +
  '    a.sortheader { background-color: black; color: white; font-weight: bold; text-decoration: none; display: block; }\n' +
  '    span.sortarrow { color: white; text-decoration: none; }\n' +
  '  </style>\n';

/** status.enable-sort: upstream's table sorter, verbatim. */
const SORT_SCRIPT = `<script type="text/javascript">
// <!--
var sort_column;
var prev_span = null;
function get_inner_text(el) {
 if((typeof el == 'string')||(typeof el == 'undefined'))
  return el;
 if(el.innerText)
  return el.innerText;
 else {
  var str = "";
  var cs = el.childNodes;
  var l = cs.length;
  for (i=0;i<l;i++) {
   if (cs[i].nodeType==1) str += get_inner_text(cs[i]);
   else if (cs[i].nodeType==3) str += cs[i].nodeValue;
  }
 }
 return str;
}
function sortfn(a,b) {
 var at = get_inner_text(a.cells[sort_column]);
 var bt = get_inner_text(b.cells[sort_column]);
 if (a.cells[sort_column].className == 'int') {
  return parseInt(at)-parseInt(bt);
 } else {
  aa = at.toLowerCase();
  bb = bt.toLowerCase();
  if (aa==bb) return 0;
  else if (aa<bb) return -1;
  else return 1;
 }
}
function resort(lnk) {
 var span = lnk.childNodes[1];
 var table = lnk.parentNode.parentNode.parentNode.parentNode;
 var rows = new Array();
 for (j=1;j<table.rows.length;j++)
  rows[j-1] = table.rows[j];
 sort_column = lnk.parentNode.cellIndex;
 rows.sort(sortfn);
 if (prev_span != null) prev_span.innerHTML = '';
 if (span.getAttribute('sortdir')=='down') {
  span.innerHTML = '&uarr;';
  span.setAttribute('sortdir','up');
  rows.reverse();
 } else {
  span.innerHTML = '&darr;';
  span.setAttribute('sortdir','down');
 }
 for (i=0;i<rows.length;i++)
  table.tBodies[0].appendChild(rows[i]);
 prev_span = span;
}
// -->
</script>
`;

/** buffer_append_string_encoded(ENCODING_HTML): controls, 8-bit bytes and " & ' < > ` as &#xHH; (latin1 byte strings). */
export function encodeHtml(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x26 || c === 0x27 || c === 0x3c || c === 0x3e || c === 0x60) {
      out += '&#x' + (c & 0xff).toString(16).toUpperCase().padStart(2, '0') + ';';
    } else {
      out += s[i];
    }
  }
  return out;
}

const UNITS = ' kMGTPEZY';

/** mod_status_get_multiplier: 1000 prints an integer, 1024 two decimals; then a space and the unit letter (or a second space). */
export function withMultiplier(value: number, size: 1000 | 1024): string {
  let avg = value;
  let u = 0;
  while (avg > size && u < UNITS.length - 1) {
    avg /= size;
    u++;
  }
  return (size === 1000 ? String(Math.trunc(avg)) : avg.toFixed(2)) + ' ' + UNITS[u];
}

/** "1 days 2 hours 3 min 4 s": the parts that are not zero, the seconds always. */
export function formatUptime(seconds: number): string {
  let ts = seconds;
  const days = Math.floor(ts / 86400);
  ts %= 86400;
  const hours = Math.floor(ts / 3600);
  ts %= 3600;
  const mins = Math.floor(ts / 60);
  const secs = ts % 60;
  return (days !== 0 ? `${days} days ` : '') + (hours !== 0 ? `${hours} hours ` : '') + (mins !== 0 ? `${mins} min ` : '') + `${secs} s`;
}

const two = (n: number): string => (n < 10 ? '0' + n : String(n));

/** strftime("%F %T") in local time. */
function localTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** What the status page shows besides the totals: this request's view of the server. */
export interface StatusPageContext {
  /** Trigger seconds now. */
  readonly now: number;
  /** server.tag ('' prints none). */
  readonly serverTag: string;
  /** The request's Host, and server.name when it is set. */
  readonly authority: string;
  readonly serverName: string;
  readonly query: string;
  /** status.enable-sort. */
  readonly sort: boolean;
}

function header(name: string, sort: boolean): string {
  return sort
    ? `<th class="status"><a href="#" class="sortheader" onclick="resort(this);return false;">${name}<span class="sortarrow">:</span></a></th>\n`
    : `<th class="status">${name}</th>\n`;
}

function connectionRow(c: StatusConnection, now: number): string {
  return (
    `<tr><td class="string">${c.ip}</td><td class="int">${c.readLength !== 0 ? `${c.readIn}/${c.readLength}` : '0/0'}</td>` +
    `<td class="int">${c.writtenOut}/${c.writtenIn}</td><td class="string">${stateName(c.state)}</td><td class="int">${Math.max(0, now - c.start)}</td>` +
    `<td class="string">${encodeHtml(c.host)}</td><td class="string">${encodeHtml(c.uri)}</td><td class="string">${encodeHtml(c.file)}</td></tr>\n`
  );
}

/** ?refresh=N: upstream's meta refresh, N capped at a week (strtol: leading digits). */
function refreshMeta(query: string): string {
  if (!query.startsWith('refresh=')) return '';
  const refresh = parseInt(query.slice('refresh='.length), 10);
  return refresh > 0 ? `<meta http-equiv="refresh" content="${Math.min(refresh, 604800)}">\n` : '';
}

/** The status page (text/html), as a latin1 string. */
export function statusHtml(t: StatusTotals, ctx: StatusPageContext): string {
  const started = Math.floor(t.startedAt / 1000);
  const uptime = Math.max(0, ctx.now - started);
  // upstream divides by the uptime as is (inf/nan in its first second); one second at least here
  const since = Math.max(1, uptime);
  const conns = t.connections;
  let out = XHTML_HEAD + STYLE + refreshMeta(ctx.query) + (ctx.sort ? SORT_SCRIPT : '') + ' </head>\n<body>\n';
  out += `<h1>Server-Status${ctx.serverTag !== '' ? ` (${ctx.serverTag})` : ''}</h1>`;
  out += '<table summary="status" class="status"><tr><td>Hostname</td><td class="string">' + encodeHtml(ctx.authority);
  if (ctx.serverName !== '') out += ` (${encodeHtml(ctx.serverName)})`;
  out += '</td></tr>\n';
  out += `<tr><td>Uptime</td><td class="string">${formatUptime(uptime)}</td></tr>\n`;
  out += `<tr><td>Started at</td><td class="string">${localTimestamp(started * 1000)}</td></tr>\n`;
  out += '<tr><th colspan="2">absolute (since start)</th></tr>\n';
  out += `<tr><td>Requests</td><td class="string">${withMultiplier(t.requests, 1000)}req</td></tr>\n`;
  out += `<tr><td>Traffic</td><td class="string">${withMultiplier(t.traffic, 1024)}byte</td></tr>\n`;
  out += '<tr><th colspan="2">average (since start)</th></tr>\n';
  out += `<tr><td>Requests</td><td class="string">${withMultiplier(t.requests / since, 1000)}req/s</td></tr>\n`;
  out += `<tr><td>Traffic</td><td class="string">${withMultiplier(t.traffic / since, 1024)}byte/s</td></tr>\n`;
  out += '<tr><th colspan="2">average (5s sliding average)</th></tr>\n';
  out += `<tr><td>Requests</td><td class="string">${withMultiplier(t.requests5s / 5, 1000)}req/s</td></tr>\n`;
  out += `<tr><td>Traffic</td><td class="string">${withMultiplier(t.traffic5s / 5, 1024)}byte/s</td></tr>\n`;
  out += '</table>\n<hr />\n<pre>\n';
  out += `<b>${conns.length} connections</b>\n`;
  const counts = new Map<number, number>();
  conns.forEach((c, i) => {
    out += stateShort(c.state);
    if ((i + 1) % 50 === 0) out += '\n';
    counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  });
  // upstream's keep-alive row lacks its </td>
  out += `\n\n<table>\n<tr><td style="text-align:right">${counts.get(KEEP_ALIVE) ?? 0}<td>&nbsp;&nbsp;k = keep-alive</td></tr>\n`;
  for (const s of ALL_STATES) {
    out += `<tr><td style="text-align:right">${counts.get(s) ?? 0}</td><td>&nbsp;&nbsp;${stateShort(s)} = ${stateName(s)}</td></tr>\n`;
  }
  out += '</table>\n</pre><hr />\n<h2>Connections</h2>\n<table summary="status" class="status">\n<tr>';
  for (const h of ['Client IP', 'Read', 'Written', 'State', 'Time', 'Host', 'URI', 'File']) out += header(h, ctx.sort);
  out += '</tr>\n';
  for (const c of conns) out += connectionRow(c, ctx.now);
  return out + '</table>\n</body>\n</html>\n';
}

function configHeader(name: string): string {
  return `   <tr>\n    <th colspan="2">${name}</th>\n   </tr>\n`;
}

function configRow(key: string, value: string): string {
  return `   <tr>\n    <td><b>${key}</b></td>\n    <td>${value}</td>\n   </tr>\n`;
}

/**
 * The config page (text/html). Module names lose their "mod_" as upstream's plugin names have
 * none; the event handler is libuv's (node's), where upstream names its own (linux-sysepoll).
 */
export function configHtml(serverTag: string, modules: readonly string[]): string {
  const names = modules.map((m) => (m.startsWith('mod_') ? m.slice(4) : m)).join('<br />');
  return (
    XHTML_HEAD +
    ' </head>\n <body>\n' +
    (serverTag !== '' ? `  <h1>${serverTag}  </h1>\n` : '') +
    '  <table summary="status" border="1">\n' +
    configHeader('Server-Features') +
    configRow('RegEx Conditionals', 'enabled') +
    configHeader('Network Engine') +
    configRow('fd-Event-Handler', 'libuv') +
    configHeader('Config-File-Settings') +
    configRow('Loaded Modules', names) +
    '  </table>\n </body>\n</html>\n'
  );
}
