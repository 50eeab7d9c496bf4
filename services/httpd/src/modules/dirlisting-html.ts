// HTML pieces of the directory listing, shaped like lighttpd 1.4.69 mod_dirlisting.c output
// (same table, classes and columns; our own stylesheet): escaping, size and date formats.

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/** Percent-encodes a name for a relative href (bytes outside the unreserved set and '/'). */
export function encodeHref(name: string): string {
  return encodeURIComponent(name).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const UNITS = 'KMGTPE';

/** lighttpd's size column: one decimal, always in K or above ("0.0K", "1.2M"). */
export function formatSize(bytes: number): string {
  let size = bytes;
  if (size > 0 && size < 100) size += 99;
  let u = -1;
  let remain: number;
  do {
    remain = size % 1024;
    size = Math.floor(size / 1024);
    u++;
  } while (size >= 1024);
  remain = Math.min(9, Math.floor(remain / 100));
  if (size > 999) {
    size = 0;
    remain = 9;
    u++;
  }
  return `${size}.${remain}${UNITS[u] ?? 'E'}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => (n < 10 ? '0' + n : String(n));

/** "2026-Nov-22 16:28:51" in local time, as strftime("%Y-%b-%d %T") upstream. */
export function formatListingDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${MONTHS[d.getMonth()]}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export const DEFAULT_STYLE = `<style type="text/css">
a, a:active {text-decoration: none; color: blue;}
a:visited {color: #48468F;}
a:hover, a:focus {text-decoration: underline; color: red;}
body {background-color: #F5F5F5;}
h2 {margin-bottom: 12px;}
table {margin-left: 12px;}
th, td { font: 90% monospace; text-align: left;}
th { font-weight: bold; padding-right: 14px; padding-bottom: 3px;}
td {padding-right: 14px;}
td.s, th.s {text-align: right;}
div.list { background-color: white; border-top: 1px solid #646464; border-bottom: 1px solid #646464; padding-top: 10px; padding-bottom: 14px;}
div.foot { font: 90% monospace; color: #787878; padding-top: 4px;}
</style>
`;
