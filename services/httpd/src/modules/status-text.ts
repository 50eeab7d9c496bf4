// The machine-readable forms of lighttpd 1.4.69 mod_status.c, byte for byte: "?auto" (Apache's
// mod_status format, mod_status_handle_server_status_text), "?json" with its optional jsonp=
// wrapper (mod_status_handle_server_status_json) and the statistics page
// (mod_status_handle_server_statistics).
import { stateShort } from './status-counters';
import type { StatusTotals } from './status-totals';

/** Connections open and the room left under server.max-connections (BusyServers, IdleServers). */
export function busyIdle(t: StatusTotals): { busy: number; idle: number } {
  const busy = t.connections.length;
  return { busy, idle: Math.max(0, t.maxConnections - busy) };
}

/** "?auto": text/plain. */
export function statusAuto(t: StatusTotals, uptime: number): string {
  const { busy, idle } = busyIdle(t);
  let board = '';
  for (const c of t.connections) board += stateShort(c.state);
  return (
    `Total Accesses: ${t.requests}\n` +
    `Total kBytes: ${Math.floor(t.traffic / 1024)}\n` +
    `Uptime: ${uptime}\n` +
    `BusyServers: ${busy}\n` +
    `IdleServers: ${idle}\n` +
    `Scoreboard: ${board}${'_'.repeat(idle)}\n`
  );
}

/** The jsonp= function name: letters, digits and '_', starting with a letter, up to the end of the query; null otherwise. */
function jsonpName(query: string): string | null {
  if (!query.startsWith('jsonp=')) return null;
  const f = query.slice('jsonp='.length);
  return /^[A-Za-z][A-Za-z0-9_]*$/.test(f) ? f : null;
}

/** "?json": application/javascript (upstream's type), the averages in integers as upstream. */
export function statusJson(t: StatusTotals, uptime: number, query: string): string {
  const { busy, idle } = busyIdle(t);
  const fn = jsonpName(query);
  const body =
    `{\n\t"RequestsTotal": ${t.requests},\n` +
    `\t"TrafficTotal": ${Math.floor(t.traffic / 1024)},\n` +
    `\t"Uptime": ${uptime},\n` +
    `\t"BusyServers": ${busy},\n` +
    `\t"IdleServers": ${idle},\n` +
    `\t"RequestAverage5s":${Math.floor(t.requests5s / 5)},\n` +
    `\t"TrafficAverage5s":${Math.floor(Math.floor(t.traffic5s / 5) / 1024)}\n}`;
  return fn === null ? body : `${fn}(${body});`;
}

/** The statistics page: "key: value" lines; null when there are none (upstream answers 204). */
export function statisticsText(stats: ReadonlyArray<readonly [string, number]>): string | null {
  if (stats.length === 0) return null;
  let out = '';
  for (const [k, v] of stats) out += `${k}: ${v}\n`;
  return out;
}
