// proxy.forwarded and proxy.header as lighttpd 1.4.69's mod_proxy.c set_defaults reads them
// (proxy.server and proxy.balance are the gateway core's, gateway/gateway-config.ts).
import { pluginsErrDirectiveType, type ConfigArrayLike, type ConfigValueLike, type TypedValue } from '@libs/plugins';
import type { RemapOpts } from './header-remap';

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

/** proxy.header (lighttpd's http_header_remap_opts). */
export interface ProxyHeaderOpts {
  /** force-http10: HTTP/1.0 to the backend, no TE or Upgrade passed. */
  readonly forceHttp10: boolean;
  /** upgrade: an HTTP/1.1 client's Upgrade goes to the backend, and its 101 turns the connection into a tunnel. */
  readonly upgrade: boolean;
  /** connect: CONNECT is tunnelled to the backend (else 405). */
  readonly connect: boolean;
  /** https-remap: for a request that came over https, a remapped URI's scheme follows (https <-> http). */
  readonly httpsRemap: boolean;
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

/** mod_proxy_parse_header_opts. */
export function parseProxyHeader(value: TypedValue, where: string): ProxyHeaderOpts {
  const flags = { 'force-http10': false, upgrade: false, connect: false, 'https-remap': false };
  const maps = new Map<string, ReadonlyArray<readonly [string, string]>>();
  for (const item of (value as ConfigArrayLike).items) {
    const key = item.key ?? '';
    if (key === 'force-http10' || key === 'https-remap' || key === 'upgrade' || key === 'connect') {
      const on = tobool(item.value);
      if (on === null) throw pluginsErrDirectiveType('proxy.header', `expects "${key}" => "enable" or "disable"`, where);
      flags[key] = on;
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
  return Object.freeze({
    forceHttp10: flags['force-http10'],
    upgrade: flags.upgrade,
    connect: flags.connect,
    httpsRemap: flags['https-remap'],
    remap,
  });
}
