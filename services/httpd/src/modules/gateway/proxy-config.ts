// proxy.server, proxy.forwarded, proxy.header and proxy.balance as lighttpd 1.4.69's mod_proxy.c
// set_defaults reads them: proxy.server in gw_backend.c's syntax (compiled by the fastcgi.server
// parser, check-local then off for every key as upstream's gw_exts_clear_check_local), each host's
// label kept for proxy.replace-http-host. What httpd-ts does not carry out yet stops the start.
import { pluginsErrDirectiveType, type ConfigArrayLike, type ConfigValueLike, type TypedValue } from '@libs/plugins';
import { compileGatewayServers, type GatewayExtension } from './fastcgi-config';

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
}

/** proxy.header options lighttpd has that httpd-ts does not carry out yet: refused when set. */
const HEADER_NOT_BUILT = new Set(['https-remap', 'upgrade', 'connect', 'map-urlpath', 'map-host-request', 'map-host-response']);

/** mod_proxy_parse_header_opts, for the options built; the others stop the start when enabled or set. */
export function parseProxyHeader(value: TypedValue, where: string): ProxyHeaderOpts {
  let forceHttp10 = false;
  for (const item of (value as ConfigArrayLike).items) {
    const key = item.key ?? '';
    const flagKey = key === 'force-http10' || key === 'https-remap' || key === 'upgrade' || key === 'connect';
    if (flagKey) {
      const on = tobool(item.value);
      if (on === null) throw pluginsErrDirectiveType('proxy.header', `expects "${key}" => "enable" or "disable"`, where);
      if (key === 'force-http10') forceHttp10 = on;
      else if (on) throw pluginsErrDirectiveType('proxy.header', `uses "${key}", which is not available in this version of httpd-ts`, where);
      continue;
    }
    if (HEADER_NOT_BUILT.has(key)) throw pluginsErrDirectiveType('proxy.header', `uses "${key}", which is not available in this version of httpd-ts`, where);
    throw pluginsErrDirectiveType('proxy.header', `has the unexpected key "${key}"; expected ( "param" => ( "key" => "value" ) )`, where);
  }
  return Object.freeze({ forceHttp10 });
}

const BALANCE = new Set(['fair', 'least-connection', 'round-robin', 'hash', 'sticky']);

/** gw_get_defaults_balance's accepted words; with one host per key every policy picks that host. */
export function parseProxyBalance(value: TypedValue, where: string): string {
  const s = value as string;
  if (s !== '' && !BALANCE.has(s)) throw pluginsErrDirectiveType('proxy.balance', `must be one of: fair, round-robin, hash, sticky (not "${s}")`, where);
  return s === '' ? 'fair' : s;
}
