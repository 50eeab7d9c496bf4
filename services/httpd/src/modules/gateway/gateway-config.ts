// fastcgi.server, scgi.server and proxy.server, and their map-extensions and balance, as lighttpd
// 1.4.69 reads them for every gateway (src/gw_backend.c gw_set_defaults_backend):
// ( "<ext or /prefix>" => ( "<label>" => ( "key" => "value", ... ) ) ), compiled once at start-up
// into frozen hosts. Host keys this version does not carry out stop the start: a config that relies
// on bin-path spawning or an authorizer must not be served without it.
import { pluginsErrDirectiveType, type ConfigArrayLike, type ConfigValueLike, type TypedValue } from '@libs/plugins';
import { gwHash, parseBalance, type GatewayBalance } from './balance';

/** One backend address with the options that shape its CGI environment. */
export interface GatewayHost {
  /** The backend's label in the config (lighttpd host->id, "" when unnamed): statistics keys, proxy.replace-http-host. */
  readonly id: string;
  /** lighttpd's proc->connection_name: "unix:/path" or "tcp:host:port", used in log lines. */
  readonly name: string;
  readonly socketPath: string | null;
  readonly host: string;
  readonly port: number;
  /** check-local (default enable): the file must exist below the document root. */
  readonly checkLocal: boolean;
  /** docroot: SCRIPT_FILENAME and DOCUMENT_ROOT for a backend on another machine. */
  readonly docroot: string | null;
  /** strip-request-uri: the prefix taken off REQUEST_URI (its trailing slash removed, as upstream). */
  readonly stripRequestUri: string | null;
  /** fix-root-scriptname: with the prefix "/", the whole path is PATH_INFO and SCRIPT_NAME is empty. */
  readonly fixRootScriptname: boolean;
  /** broken-scriptfilename: SCRIPT_FILENAME carries PATH_INFO too (PHP's cgi.fix_pathinfo = 1). */
  readonly brokenScriptFilename: boolean;
  /** disable-time (default 1): seconds a backend that refused or timed out stays out of rotation. */
  readonly disableTime: number;
  /** connect-timeout (default 8), read-timeout and write-timeout (default 0: none), in seconds. */
  readonly connectTimeout: number;
  readonly readTimeout: number;
  readonly writeTimeout: number;
  /** gw_hash of the host name or socket path, for the hash and sticky elections. */
  readonly gwHash: number;
  /**
   * keep-conn (httpd-ts's own, default disable as lighttpd 1.4 has none): FastCGI requests ask for
   * FCGI_KEEP_CONN and the connection is kept for the next request, as nginx's fastcgi_keep_conn.
   */
  readonly keepConn: boolean;
}

/** One key of fastcgi.server: an extension (".php") or a URL prefix ("/app/"). */
export interface GatewayExtension {
  readonly key: string;
  readonly hosts: readonly GatewayHost[];
}

/** Host keys lighttpd accepts that httpd-ts does not carry out yet: refused at start. */
const NOT_BUILT = new Set([
  'bin-path',
  'bin-environment',
  'bin-copy-environment',
  'kill-signal',
  'mode',
  'allow-x-send-file',
  'x-sendfile',
  'x-sendfile-docroot',
  'tcp-fin-propagate',
  'upgrade',
]);

/** Host keys that only matter for processes httpd-ts would spawn (bin-path, refused above). */
const NO_EFFECT_HERE = new Set(['min-procs', 'max-procs', 'max-load-per-proc', 'idle-timeout', 'listen-backlog']);

/** Host keys holding seconds, with lighttpd's defaults (gw_set_defaults_backend). */
const SECONDS: ReadonlyArray<readonly [string, number]> = [
  ['disable-time', 1],
  ['connect-timeout', 8],
  ['read-timeout', 0],
  ['write-timeout', 0],
];

const KNOWN = new Set([
  'host',
  'port',
  'socket',
  'check-local',
  'docroot',
  'strip-request-uri',
  'fix-root-scriptname',
  'broken-scriptfilename',
  'keep-conn',
  ...SECONDS.map(([k]) => k),
  ...NOT_BUILT,
  ...NO_EFFECT_HERE,
]);

function str(v: ConfigValueLike): string | null {
  return v.type === 'string' ? v.value : v.type === 'integer' ? String(v.value) : null;
}

function bool(v: ConfigValueLike): boolean | null {
  if (v.type === 'integer') return v.value !== 0;
  if (v.type !== 'string') return null;
  if (/^(enable|true|1)$/i.test(v.value)) return true;
  if (/^(disable|false|0)$/i.test(v.value)) return false;
  return null;
}

function compileHost(key: string, id: string, label: string, block: ConfigArrayLike, where: string, checkLocal: boolean): GatewayHost {
  const at = `${key} => (${label} (`;
  const bad = (why: string) => pluginsErrDirectiveType(key, `${why} (${at} ...)`, where);
  const opts = new Map<string, ConfigValueLike>();
  for (const item of block.items) {
    if (item.key === null) throw bad('expects ( "key" => "value" ) for each backend');
    if (!KNOWN.has(item.key)) throw bad(`has the unknown backend option "${item.key}"`);
    if (NOT_BUILT.has(item.key)) throw bad(`uses "${item.key}", which is not available in this version of httpd-ts`);
    opts.set(item.key, item.value);
  }
  const text = (k: string): string | null => {
    const v = opts.get(k);
    if (v === undefined) return null;
    const s = str(v);
    if (s === null) throw bad(`"${k}" must be a string`);
    return s;
  };
  const flag = (k: string, dflt: boolean): boolean => {
    const v = opts.get(k);
    if (v === undefined) return dflt;
    const b = bool(v);
    if (b === null) throw bad(`"${k}" must be "enable" or "disable"`);
    return b;
  };
  for (const k of NO_EFFECT_HERE) {
    const v = opts.get(k);
    if (v !== undefined && (v.type !== 'integer' && !/^\d+$/.test(str(v) ?? ''))) throw bad(`"${k}" must be a number`);
  }
  let socketPath = text('socket');
  let host = text('host');
  const portText = text('port');
  // upstream: "either host/port or socket have to be set"; a host that is a path is a socket
  if ((host !== null || portText !== null) && socketPath !== null) throw bad('sets both socket and host/port');
  if (host !== null && host.startsWith('/') && socketPath === null) {
    socketPath = host;
    host = null;
  }
  let port = 0;
  if (socketPath === null) {
    if (host === null) throw bad('needs "host" (or "socket")');
    port = portText === null ? 80 : Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw bad('"port" must be a number between 0 and 65535');
    if (port === 0) port = 80;
  }
  const secs = new Map<string, number>();
  for (const [k, dflt] of SECONDS) {
    const t = text(k);
    if (t !== null && !/^\d+$/.test(t)) throw bad(`"${k}" must be a number of seconds`);
    secs.set(k, t === null ? dflt : Number(t));
  }
  const strip = text('strip-request-uri');
  const docroot = text('docroot');
  return Object.freeze({
    id,
    name: socketPath !== null ? `unix:${socketPath}` : `tcp:${host as string}:${port}`,
    socketPath,
    host: host ?? '',
    port,
    checkLocal: checkLocal && flag('check-local', true),
    docroot: docroot === null || docroot === '' ? null : docroot,
    stripRequestUri: strip === null || strip === '' ? null : strip.replace(/\/+$/, ''),
    fixRootScriptname: flag('fix-root-scriptname', false),
    brokenScriptFilename: flag('broken-scriptfilename', false),
    disableTime: secs.get('disable-time') as number,
    connectTimeout: secs.get('connect-timeout') as number,
    readTimeout: secs.get('read-timeout') as number,
    writeTimeout: secs.get('write-timeout') as number,
    gwHash: gwHash(socketPath ?? (host as string)),
    keepConn: flag('keep-conn', false),
  });
}

/**
 * The `parse` of fastcgi.server, scgi.server, proxy.server: every extension with its hosts, in
 * config order. `checkLocal` false turns check-local off for every host (mod_proxy's
 * gw_exts_clear_check_local: a proxied path never has to exist here).
 */
export function compileGatewayServers(key: string, checkLocal = true) {
  return (value: TypedValue, where: string): readonly GatewayExtension[] => {
    const out: GatewayExtension[] = [];
    for (const ext of (value as ConfigArrayLike).items) {
      const name = ext.key as string;
      const hostsValue = ext.value as ConfigArrayLike;
      const hosts: GatewayHost[] = [];
      for (const [i, h] of hostsValue.items.entries()) {
        if (h.value.type !== 'array') {
          throw pluginsErrDirectiveType(key, `expects ( "ext" => ( "backend-label" => ( "key" => "value" ))) near ${name}`, where);
        }
        hosts.push(compileHost(name, h.key ?? '', h.key ?? String(i), h.value, where, checkLocal));
      }
      if (hosts.length === 0) throw pluginsErrDirectiveType(key, `lists no backend for ${name}`, where);
      out.push(Object.freeze({ key: name, hosts: Object.freeze(hosts) }));
    }
    return Object.freeze(out);
  };
}

/**
 * The key of a gateway's *.server a path belongs to (gw_check_extension): fastcgi.map-extensions maps a
 * suffix to an existing key first; then a "/prefix" key matches the URL path's start, any other
 * key the end of `fn` (the URL path or the physical path).
 */
export function matchExtension(
  exts: readonly GatewayExtension[],
  mapping: ReadonlyArray<readonly [string, string]>,
  fn: string,
  urlPath: string,
): GatewayExtension | null {
  for (const [suffix, target] of mapping) {
    if (!fn.endsWith(suffix)) continue;
    const mapped = exts.find((e) => e.key === target);
    if (mapped !== undefined) return mapped;
    break;
  }
  for (const e of exts) {
    if (e.key.startsWith('/') ? urlPath.startsWith(e.key) : fn.endsWith(e.key)) return e;
  }
  return null;
}

/** The `parse` of fastcgi.balance, scgi.balance, proxy.balance: refused at start unless lighttpd knows the word. */
export function compileBalance(key: string) {
  return (value: TypedValue, where: string): GatewayBalance => {
    const b = parseBalance(value as string);
    if (b === null) throw pluginsErrDirectiveType(key, `has to be one of: fair, least-connection, round-robin, hash, sticky, but not: ${String(value)}`, where);
    return b;
  };
}
