// fastcgi.server, scgi.server and proxy.server, and their map-extensions and balance, as lighttpd
// 1.4.69 reads them for every gateway (src/gw_backend.c gw_set_defaults_backend):
// ( "<ext or /prefix>" => ( "<label>" => ( "key" => "value", ... ) ) ), compiled once at start-up
// into frozen hosts; bin-path and its siblings become the host's `spawn` (backend-spawner.ts starts
// the processes). Host keys this version does not carry out stop the start: a config that relies
// on them must not be served without them.
import { pluginsErrDirectiveType, type ConfigArrayLike, type ConfigValueLike, type TypedValue } from '@libs/plugins';
import { simplifyPath } from '../../url/request-path';
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
  /** "mode" => "authorizer": the backend is asked first, as a FastCGI Authorizer (gateway/authorizer.ts). */
  readonly authorizer: boolean;
  /** x-sendfile (or its old name allow-x-send-file): the backend may answer with X-Sendfile (gateway/x-sendfile.ts). */
  readonly xSendfile: boolean;
  /** x-sendfile-docroot: the directories (simplified, with a trailing slash) X-Sendfile paths must be under; empty: anywhere. */
  readonly xSendfileDocroot: readonly string[];
  /** bin-path: httpd-ts starts and supervises the backend itself (gateway/backend-spawner.ts); null: someone else runs it. */
  readonly spawn: BackendSpawn | null;
}

/** What a host with bin-path spawns (gw_set_defaults_backend, gw_spawn_connection). */
export interface BackendSpawn {
  /** bin-path as written, for log lines. */
  readonly binPath: string;
  /** bin-path split at every space and tab, as parse_binpath does (no quoting). */
  readonly args: readonly string[];
  /** bin-environment, in config order (set over the copied environment). */
  readonly env: ReadonlyArray<readonly [string, string]>;
  /** bin-copy-environment: the only variables of ours passed on (empty: all of them). */
  readonly copyEnv: readonly string[];
  /** kill-signal (default SIGTERM = 15): sent at shutdown and graceful restart. */
  readonly killSignal: number;
  /** The processes started: max-procs (default 4; min-procs below it asks for adaptive spawning, not built). */
  readonly procs: number;
  /** min-procs was set below max-procs: lighttpd would grow from min-procs under load. */
  readonly adaptive: boolean;
  /** listen-backlog (default 1024) of the socket the backend accepts on. */
  readonly listenBacklog: number;
}

/**
 * One key of fastcgi.server: an extension (".php") or a URL prefix ("/app/"), with the hosts of one
 * mode. A key whose hosts have both modes is two of these, as lighttpd keeps exts_auth and exts_resp.
 */
export interface GatewayExtension {
  readonly key: string;
  readonly hosts: readonly GatewayHost[];
  /** "mode" => "authorizer" (gateway/authorizer.ts): asked before the request is handled. */
  readonly authorizer: boolean;
}

/** Host keys lighttpd accepts that httpd-ts does not carry out yet: refused at start. */
const NOT_BUILT = new Set([
  'tcp-fin-propagate',
  'upgrade',
]);

/** Numeric host keys for the processes bin-path spawns, with lighttpd's defaults (no effect without bin-path). */
const PROC_NUMBERS: ReadonlyArray<readonly [string, number]> = [
  ['min-procs', 4],
  ['max-procs', 4],
  ['max-load-per-proc', 1],
  ['idle-timeout', 60],
  ['listen-backlog', 1024],
  ['kill-signal', 15],
];

/** sizeof(sockaddr_un.sun_path) on Linux; lighttpd wants room for its "-<n>" too. */
const SUN_PATH = 108;

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
  'mode',
  'allow-x-send-file',
  'x-sendfile',
  'x-sendfile-docroot',
  ...SECONDS.map(([k]) => k),
  'bin-path',
  'bin-environment',
  'bin-copy-environment',
  ...NOT_BUILT,
  ...PROC_NUMBERS.map(([k]) => k),
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

function compileHost(key: string, id: string, label: string, block: ConfigArrayLike, where: string, checkLocal: boolean, spawns: boolean): GatewayHost {
  const at = `${key} => (${label} (`;
  const bad = (why: string) => pluginsErrDirectiveType(key, `${why} (${at} ...)`, where);
  const opts = new Map<string, ConfigValueLike>();
  for (const item of block.items) {
    if (item.key === null) throw bad('expects ( "key" => "value" ) for each backend');
    if (!KNOWN.has(item.key)) throw bad(`has the unknown backend option "${item.key}"`);
    if (NOT_BUILT.has(item.key) || (!spawns && item.key === 'bin-path')) throw bad(`uses "${item.key}", which is not available in this version of httpd-ts`);
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
  const procNumbers = new Map<string, number>();
  for (const [k, dflt] of PROC_NUMBERS) {
    const v = opts.get(k);
    if (v !== undefined && v.type !== 'integer' && !/^\d+$/.test(str(v) ?? '')) throw bad(`"${k}" must be a number`);
    procNumbers.set(k, v === undefined ? dflt : Number(str(v)));
  }
  const binPath = text('bin-path');
  let socketPath = text('socket');
  let host = text('host');
  const portText = text('port');
  // upstream: "either host/port or socket have to be set"; a host that is a path is a socket
  if ((host !== null || portText !== null) && socketPath !== null) throw bad('sets both socket and host/port');
  if (host !== null && host.startsWith('/') && socketPath === null) {
    socketPath = host;
    host = null;
  }
  if (socketPath === '') socketPath = null;
  if (socketPath !== null && socketPath.length + 1 > SUN_PATH - 2) throw bad('has a unixsocket that is too long');
  let port = 0;
  if (socketPath === null) {
    // a spawned backend without a host listens on 127.0.0.1 (gw_set_defaults_backend)
    if (host === null && binPath !== null && binPath !== '') host = '127.0.0.1';
    if (host === null) throw bad('needs "host" or "bin-path" (or "socket")');
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
  const mode = text('mode');
  // lighttpd warns about another word and takes it as responder; a config that means an authorizer must not run without one
  if (mode !== null && mode !== '' && mode !== 'responder' && mode !== 'authorizer') throw bad(`"mode" must be "responder" or "authorizer", not "${mode}"`);
  const authorizer = mode === 'authorizer';
  // gw_authorizer_ok would serve the authorized request from that docroot, past uri_clean and the physical-path hooks
  if (authorizer && docroot !== null && docroot !== '') throw bad('uses "docroot" with "mode" => "authorizer", which is not available in this version of httpd-ts');
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
    authorizer,
    // x-sendfile and its older name set the same switch (x-sendfile wins when both are there)
    xSendfile: flag(opts.has('x-sendfile') ? 'x-sendfile' : 'allow-x-send-file', false),
    xSendfileDocroot: xSendfileDocroot(opts.get('x-sendfile-docroot'), bad),
    spawn: binPath === null || binPath === '' ? null : compileSpawn(binPath, opts, procNumbers, bad),
  });
}

/** bin-path's process: argv, environment and counts (gw_set_defaults_backend, parse_binpath). */
function compileSpawn(binPath: string, opts: ReadonlyMap<string, ConfigValueLike>, n: ReadonlyMap<string, number>, bad: (why: string) => Error): BackendSpawn {
  const env: Array<readonly [string, string]> = [];
  const envValue = opts.get('bin-environment');
  if (envValue !== undefined) {
    if (envValue.type !== 'array') throw bad('"bin-environment" must be ( "NAME" => "value", ... )');
    for (const item of envValue.items) {
      const v = str(item.value);
      if (item.key === null || v === null) throw bad('"bin-environment" must be ( "NAME" => "value", ... )');
      env.push([item.key, v]);
    }
  }
  const copyEnv: string[] = [];
  const copyValue = opts.get('bin-copy-environment');
  if (copyValue !== undefined) {
    if (copyValue.type !== 'array') throw bad('"bin-copy-environment" must be ( "NAME", ... )');
    for (const item of copyValue.items) {
      const v = str(item.value);
      if (v === null) throw bad('"bin-copy-environment" must be ( "NAME", ... )');
      copyEnv.push(v);
    }
  }
  const maxProcs = n.get('max-procs') as number;
  if (maxProcs < 1) throw bad('"max-procs" must be at least 1');
  return Object.freeze({
    binPath,
    args: Object.freeze(binPath.split(/[ \t]/)),
    env: Object.freeze(env),
    copyEnv: Object.freeze(copyEnv),
    killSignal: n.get('kill-signal') as number,
    procs: maxProcs,
    adaptive: Math.min(n.get('min-procs') as number, maxProcs) !== maxProcs,
    listenBacklog: n.get('listen-backlog') as number,
  });
}

/**
 * x-sendfile-docroot => ( "/allowed/path", ... ): each path simplified and given a trailing slash,
 * so "/srv/files" allows "/srv/files/a" and not "/srv/files-old/a" (gw_set_defaults_backend).
 */
function xSendfileDocroot(v: ConfigValueLike | undefined, bad: (why: string) => Error): readonly string[] {
  if (v === undefined) return Object.freeze([]);
  const items = v.type === 'array' ? v.items : [{ key: null, value: v }];
  const out: string[] = [];
  for (const item of items) {
    if (item.value.type !== 'string') throw bad('unexpected type for x-sendfile-docroot; expected: "x-sendfile-docroot" => ( "/allowed/path", ... )');
    const p = item.value.value;
    if (!p.startsWith('/')) throw bad(`x-sendfile-docroot paths must begin with '/'; invalid: "${p}"`);
    const simple = simplifyPath(p);
    out.push(simple.endsWith('/') ? simple : simple + '/');
  }
  return Object.freeze(out);
}

/**
 * The `parse` of fastcgi.server, scgi.server, proxy.server: every extension with its hosts, in
 * config order. `checkLocal` false turns check-local off for every host (mod_proxy's
 * gw_exts_clear_check_local: a proxied path never has to exist here). `spawns` false refuses
 * bin-path (mod_proxy: lighttpd would spawn there too, httpd-ts does not yet). `canAuthorize` false
 * refuses "mode" => "authorizer" (lighttpd's mod_proxy does; mod_scgi's would never send the body).
 */
export function compileGatewayServers(key: string, checkLocal = true, spawns = true, canAuthorize = false) {
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
        hosts.push(compileHost(name, h.key ?? '', h.key ?? String(i), h.value, where, checkLocal, spawns));
      }
      if (hosts.length === 0) throw pluginsErrDirectiveType(key, `lists no backend for ${name}`, where);
      // lighttpd's exts_resp and exts_auth: each mode of a key is elected from on its own
      const responders = hosts.filter((h) => !h.authorizer);
      const authorizers = hosts.filter((h) => h.authorizer);
      if (authorizers.length > 0 && !canAuthorize) throw pluginsErrDirectiveType(key, 'must not define any hosts with attribute "mode" = "authorizer"', where);
      if (responders.length > 0) out.push(Object.freeze({ key: name, hosts: Object.freeze(responders), authorizer: false }));
      if (authorizers.length > 0) out.push(Object.freeze({ key: name, hosts: Object.freeze(authorizers), authorizer: true }));
    }
    return Object.freeze(out);
  };
}

/**
 * The key of a gateway's *.server a path belongs to (gw_check_extension): fastcgi.map-extensions maps a
 * suffix to an existing key first; then a "/prefix" key matches the URL path's start, any other
 * key the end of `fn` (the URL path or the physical path). Only keys of one mode are searched:
 * the authorizers' (`authorizer`) or the responders'.
 */
export function matchExtension(
  exts: readonly GatewayExtension[],
  mapping: ReadonlyArray<readonly [string, string]>,
  fn: string,
  urlPath: string,
  authorizer = false,
): GatewayExtension | null {
  for (const [suffix, target] of mapping) {
    if (!fn.endsWith(suffix)) continue;
    const mapped = exts.find((e) => e.key === target && e.authorizer === authorizer);
    if (mapped !== undefined) return mapped;
    break;
  }
  for (const e of exts) {
    if (e.authorizer !== authorizer) continue;
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
