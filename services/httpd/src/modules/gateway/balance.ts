// Backend selection for one fastcgi.server key, as lighttpd 1.4.69's gw_backend.c gw_host_get
// balances: "fair" (least connection), "round-robin", "hash" (URL path and authority) and "sticky"
// (client address), over the backends not disabled. Pure: the caller holds the load and the state.

export type GatewayBalance = 'fair' | 'round-robin' | 'hash' | 'sticky';

/** gw_get_defaults_balance: "least-connection" is "fair"; anything else is refused at start. */
export function parseBalance(value: string): GatewayBalance | null {
  if (value === '' || value === 'fair' || value === 'least-connection') return 'fair';
  if (value === 'round-robin' || value === 'hash' || value === 'sticky') return value;
  return null;
}

/** djbhash (algo_md.h) over the string's bytes (latin1, as the request strings hold them). */
export function gwHash(s: string, hash = 5381): number {
  for (let i = 0; i < s.length; i++) hash = (((hash << 5) + hash) ^ (s.charCodeAt(i) & 0xff)) >>> 0;
  return hash;
}

/** One backend as the election sees it. */
export interface Candidate {
  /** Not disabled (lighttpd's active_procs > 0). */
  readonly up: boolean;
  /** Requests assigned to it now (host->load). */
  readonly load: number;
  /** gw_hash of its host name or socket path. */
  readonly hash: number;
  readonly port: number;
}

/** What the election may look at in the request. */
export interface Election {
  readonly path: string;
  readonly authority: string;
  readonly remoteIp: string;
}

/** The highest `score` among the backends up (the first on a tie), as the hash and sticky elections do. */
function highest(hosts: readonly Candidate[], score: (h: Candidate) => number): number {
  let ndx = -1;
  let max = 0;
  for (const [k, h] of hosts.entries()) {
    if (!h.up) continue;
    const cur = score(h);
    if (ndx === -1 || max < cur) {
      max = cur;
      ndx = k;
    }
  }
  return ndx;
}

/**
 * The index of the backend for this request, or -1 when all are down. `lastUsed` is the key's
 * round-robin position (extension->last_used_ndx, -1 at start), returned updated.
 */
export function pickHost(hosts: readonly Candidate[], balance: GatewayBalance, lastUsed: number, req: Election): { ndx: number; lastUsed: number } {
  if (hosts.length <= 1) return { ndx: hosts[0]?.up === true ? 0 : -1, lastUsed };
  switch (balance) {
    case 'hash': {
      const base = gwHash(req.authority, gwHash(req.path));
      return { ndx: highest(hosts, (h) => (base ^ h.hash) >>> 0), lastUsed };
    }
    case 'sticky': {
      const base = gwHash(req.remoteIp);
      return { ndx: highest(hosts, (h) => (base ^ h.hash ^ h.port) >>> 0), lastUsed };
    }
    case 'round-robin': {
      // the first backend up after the last one used, wrapping to the start
      for (let i = 1; i <= hosts.length; i++) {
        const ndx = (Math.max(lastUsed, -1) + i) % hosts.length;
        if (hosts[ndx]?.up === true) return { ndx, lastUsed: ndx };
      }
      return { ndx: -1, lastUsed: -1 };
    }
    case 'fair': {
      let ndx = -1;
      for (const [k, h] of hosts.entries()) if (h.up && (ndx === -1 || h.load < (hosts[ndx] as Candidate).load)) ndx = k;
      return { ndx, lastUsed };
    }
  }
}
