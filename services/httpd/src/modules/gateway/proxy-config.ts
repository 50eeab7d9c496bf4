// proxy.server, proxy.forwarded, proxy.header and proxy.balance as lighttpd 1.4.69's mod_proxy.c
// set_defaults reads them: proxy.server in gw_backend.c's syntax (compiled by the fastcgi.server
// parser, check-local then off for every key as upstream's gw_exts_clear_check_local), each host's
// label kept for proxy.replace-http-host. What httpd-ts does not carry out yet stops the start.
import { pluginsErrDirectiveType, type ConfigArrayLike, type ConfigValueLike, type TypedValue } from '@libs/plugins';
import { compileGatewayServers, type GatewayExtension } from './fastcgi-config';
import type { RemapOpts } from './header-remap';

/** A proxy.server key: its hosts and their labels (lighttpd host->id, "" when unnamed). */
export interface ProxyExtension extends GatewayExtension {
  readonly hostIds: readonly string[];
}

/** proxy.forwarded parameters (mod_proxy.c proxy_forwarded_t). */
export const FORWARDED_FOR = 1;
export const FORWARDED_PROTO = 2;
export const FORWARDED_HOST = 4;
export const FORWARDED_BY = 8;
export const FORWARDED_REMOTE_USER = 16;

const FORWARDED_KEYS: Readonly<Record<string, number>> = {
  by: FORWARDED_BY,
  for: FORWARDED_FOR,
  host: FORWARDED_HOST,
  proto: FORWARDED_PROTO,
  remote_user: FORWARDED_REMOTE_USER,
};

/** config_plugin_value_tobool: 1/0, enable/disable, true/false (any case); null for anything else. */
function tobool(v: ConfigValueLike): boolean | null {
  if (v.type === 'integer') return v.value !== 0;
  if (v.type !== 'string') return null;
  const s = v.value.toLowerCase();
  if (s === 'enable' || s === 'true' || s === '1') return true;
  if (s === 'disable' || s === 'false' || s === '0') return false;
  return null;
}

/** Host options mod_proxy does not carry out yet (no timeouts, no rotation): refused when set. */
const HOST_NOT_BUILT = new Set(['connect-timeout', 'read-timeout', 'write-timeout', 'disable-time']);

export function parseProxyServer(value: TypedValue, where: string): readonly ProxyExtension[] {
  const raw = (value as ConfigArrayLike).items;
  for (const ext of raw) {
    if (ext.value.type !== 'array') continue;
    // one backend per key until mod_proxy balances (proxy.balance)
    if (ext.value.items.length !== 1) {
      throw pluginsErrDirectiveType('proxy.server', `lists ${ext.value.items.length} backends for ${ext.key ?? ''}; this version of httpd-ts takes exactly one`, where);
    }
    for (const h of ext.value.items) {
      if (h.value.type !== 'array') continue;
      for (const o of h.value.items) {
        if (o.key !== null && HOST_NOT_BUILT.has(o.key)) {
          throw pluginsErrDirectiveType('proxy.server', `uses "${o.key}" (${ext.key ?? ''} => (${h.key ?? ''} ...)), which is not available in mod_proxy in this version of httpd-ts`, where);
        }
      }
    }
  }
  const exts = compileGatewayServers('proxy.server')(value, where);
  return Object.freeze(
    exts.map((e, i) => {
      const hostsValue = (raw[i] as { value: ConfigValueLike }).value as ConfigArrayLike;
      return Object.freeze({ ...e, hostIds: Object.freeze(hostsValue.items.map((h) => h.key ?? '')) });
    }),
  );
}

/** mod_proxy_parse_forwarded: the parameters to add to a "Forwarded" request header (0: none). */
export function parseProxyForwarded(value: TypedValue, where: string): number {
  let flags = 0;
  for (const item of (value as ConfigArrayLike).items) {
    const bit = item.key === null ? undefined : FORWARDED_KEYS[item.key];
    if (bit === undefined) {
      throw pluginsErrDirectiveType('proxy.forwarded', `keys must be one of: by, for, host, proto, remote_user, but not: ${item.key ?? ''}`, where);
    }
    const on = tobool(item.value);
    if (on === null) throw pluginsErrDirectiveType('proxy.forwarded', `values must be one of: 0, 1, enable, disable; error for key: ${item.key as string}`, where);
    if (on) flags |= bit;
  }
  return flags;
}

/** proxy.header as this version carries it out. */
export interface ProxyHeaderOpts {
  /** force-http10: HTTP/1.0 to the backend, no TE or Upgrade passed. */
  readonly forceHttp10: boolean;
  readonly remap: RemapOpts;
}

/** array_is_kvstring: ( "key" => "value", ... ) with string values only. */
function kvstrings(v: ConfigValueLike): Array<readonly [string, string]> | null {
  if (v.type !== 'array') return null;
  const out: Array<readonly [string, string]> = [];
  for (const item of v.items) {
    if (item.key === null || item.value.type !== 'string') return null;
    out.push(Object.freeze([item.key, item.value.value] as const));
  }
  return out;
}

/**
 * mod_proxy_parse_header_opts. "https-remap" is taken and has no effect: it acts only on requests
 * that came in over https, which this version does not serve. "upgrade" and "connect" stop the start
 * when enabled (WebSocket and CONNECT tunnels are not built).
 */
export function parseProxyHeader(value: TypedValue, where: string): ProxyHeaderOpts {
  let forceHttp10 = false;
  const maps = new Map<string, ReadonlyArray<readonly [string, string]>>();
  for (const item of (value as ConfigArrayLike).items) {
    const key = item.key ?? '';
    if (key === 'force-http10' || key === 'https-remap' || key === 'upgrade' || key === 'connect') {
      const on = tobool(item.value);
      if (on === null) throw pluginsErrDirectiveType('proxy.header', `expects "${key}" => "enable" or "disable"`, where);
      if (key === 'force-http10') forceHttp10 = on;
      else if (on && key !== 'https-remap') throw pluginsErrDirectiveType('proxy.header', `uses "${key}", which is not available in this version of httpd-ts`, where);
      continue;
    }
    const kv = kvstrings(item.value);
    if (kv === null) throw pluginsErrDirectiveType('proxy.header', `expects ( "param" => ( "key" => "value" ) ) near key ${key}`, where);
    if (key !== 'map-urlpath' && key !== 'map-host-request' && key !== 'map-host-response') {
      throw pluginsErrDirectiveType('proxy.header', `has the unexpected key "${key}"; expected ( "param" => ( "key" => "value" ) )`, where);
    }
    maps.set(key, Object.freeze(kv));
  }
  const remap = Object.freeze({
    urlpaths: maps.get('map-urlpath') ?? null,
    hostsRequest: maps.get('map-host-request') ?? null,
    hostsResponse: maps.get('map-host-response') ?? null,
  });
  return Object.freeze({ forceHttp10, remap });
}

const BALANCE = new Set(['fair', 'least-connection', 'round-robin', 'hash', 'sticky']);

/** gw_get_defaults_balance's accepted words; with one host per key every policy picks that host. */
export function parseProxyBalance(value: TypedValue, where: string): string {
  const s = value as string;
  if (s !== '' && !BALANCE.has(s)) throw pluginsErrDirectiveType('proxy.balance', `must be one of: fair, round-robin, hash, sticky (not "${s}")`, where);
  return s === '' ? 'fair' : s;
}
