// The statistics a gateway publishes for mod_status's statistics page, named as lighttpd 1.4.69's
// gw_backend.c names them (gw_status_init_host, gw_status_init_proc, plugin_stats_inc):
//   gw.backend.<label>.load          requests assigned to the backend
//   gw.backend.<label>.0.load        connections open to it (proc 0: one proc per backend here)
//   gw.backend.<label>.0.connected   connections made
//   gw.backend.<label>.0.died        connects refused or timed out
//   gw.backend.<label>.0.overloaded  connects refused with EAGAIN
//   gw.backend.<label>.0.disabled    (always 0 in lighttpd 1.4.69: created and never set)
//   gw.active-requests               connections open, all backends of every gateway
//   <fastcgi|scgi|proxy>.requests    requests sent to a backend (appears with the first)
// Keys are shared as in lighttpd: backends with the same label add up, and so do the gateways'
// gw.active-requests (mod_status sums what every module and worker publishes).
import type { BackendState } from './backend-state';

export function gatewayStatistics(protocol: string, backends: Iterable<BackendState>, requests: number): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (key: string, n: number): void => {
    out[key] = (out[key] ?? 0) + n;
  };
  let active = 0;
  let any = false;
  for (const b of backends) {
    any = true;
    const host = `gw.backend.${b.host.id}`;
    const proc = `${host}.0`;
    add(`${host}.load`, b.load);
    add(`${proc}.load`, b.requests.size);
    add(`${proc}.connected`, b.connected);
    add(`${proc}.died`, b.died);
    add(`${proc}.overloaded`, b.overloaded);
    add(`${proc}.disabled`, 0);
    active += b.requests.size;
  }
  if (any) add('gw.active-requests', active);
  if (requests > 0) add(`${protocol}.requests`, requests);
  return out;
}
