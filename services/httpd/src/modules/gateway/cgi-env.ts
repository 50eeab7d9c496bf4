// The CGI environment a gateway sends, in lighttpd 1.4.69's order and with its values
// (src/http_cgi.c http_cgi_headers): CONTENT_LENGTH, QUERY_STRING, REQUEST_URI, REDIRECT_STATUS,
// SCRIPT_NAME, PATH_INFO/PATH_TRANSLATED, SCRIPT_FILENAME, DOCUMENT_ROOT, ..., then one HTTP_* per
// request header. Values are latin1 strings of bytes, as the request carries them.
import type { Request } from '../../core/request';
import { backendEnv } from './authorizer';

/** What a gateway's host sets about the environment (lighttpd's http_cgi_opts). */
export interface CgiOptions {
  /** docroot: SCRIPT_FILENAME and DOCUMENT_ROOT for a backend on another machine. */
  readonly docroot: string | null;
  /** broken-scriptfilename: SCRIPT_FILENAME carries PATH_INFO too (mod_fastcgi only). */
  readonly brokenScriptFilename: boolean;
  /** strip-request-uri: the prefix taken off REQUEST_URI (mod_fastcgi only). */
  readonly stripRequestUri: string | null;
}

/** http_cgi_encode_varname: letters upper-cased, digits kept, anything else '_'. */
export function cgiVarName(name: string, prefix: string): string {
  let out = prefix;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) out += String.fromCharCode(c & ~0x20);
    else if (c >= 0x30 && c <= 0x39) out += name[i];
    else out += '_';
  }
  return out;
}

/**
 * HTTP_* names of the request headers met so far: the same few dozen names come on every request,
 * and the same string for the same header lets a repeated header be found by identity.
 */
const headerVarNames = new Map<string, string>();
const HEADER_VAR_NAMES_MAX = 256;
/** Above this many request headers, repeated ones are found through a Map rather than a scan. */
const MANY_HEADERS = 16;

function headerVarName(name: string): string {
  let varName = headerVarNames.get(name);
  if (varName === undefined) {
    varName = name === 'content-type' ? 'CONTENT_TYPE' : cgiVarName(name, 'HTTP_');
    if (headerVarNames.size < HEADER_VAR_NAMES_MAX) headerVarNames.set(name, varName);
  }
  return varName;
}

/** buffer_copy_path_len2: two path parts joined by exactly one slash. */
function joinPath(a: string, b: string): string {
  if (a.endsWith('/')) a = a.slice(0, -1);
  return b.startsWith('/') ? a + b : a + '/' + b;
}

/** SERVER_NAME: server.name, else the request's host without its port, else SERVER_ADDR. */
function serverName(r: Request, serverAddr: string): string {
  const name = r.conf['server.name'] !== '' ? r.conf['server.name'] : r.head.host;
  if (name === '') return serverAddr;
  if (name.startsWith('[')) {
    const end = name.indexOf(']:');
    return end === -1 ? name : name.slice(0, end + 1);
  }
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}

/**
 * The params of one request, in lighttpd's order. `contentLength` is the body length sent. An
 * `authorizer` (gateway/authorizer.ts) gets no CONTENT_LENGTH, SCRIPT_NAME, PATH_INFO or PATH_TRANSLATED.
 */
export function cgiEnvironment(r: Request, host: CgiOptions, contentLength: number, authorizer = false): Array<[string, string]> {
  const env: Array<[string, string]> = [];
  if (!authorizer) env.push(['CONTENT_LENGTH', String(contentLength)]);
  env.push(['QUERY_STRING', r.queryString]);
  let uri = r.head.uri;
  const strip = host.stripRequestUri;
  // strip-request-uri: "/app1" off "/app1/index/list" leaves "/index/list"
  if (strip !== null && uri.startsWith(strip) && uri[strip.length] === '/') uri = uri.slice(strip.length);
  env.push(['REQUEST_URI', uri]);
  env.push(['REDIRECT_STATUS', '200']);
  if (!authorizer) env.push(['SCRIPT_NAME', r.url]);
  if (r.pathInfo !== '' && !authorizer) {
    env.push(['PATH_INFO', r.pathInfo]);
    env.push(['PATH_TRANSLATED', joinPath(host.docroot ?? r.docRoot, r.pathInfo)]);
  }
  if (host.docroot !== null) {
    env.push(['SCRIPT_FILENAME', joinPath(host.docroot, r.url)]);
    env.push(['DOCUMENT_ROOT', host.docroot]);
  } else {
    // buffer_copy_path_len2 joins with a slash even when PATH_INFO is empty: "/www/env.php/", and
    // PHP's fix_pathinfo then sets ORIG_SCRIPT_FILENAME and PATH_TRANSLATED from it
    env.push(['SCRIPT_FILENAME', host.brokenScriptFilename ? joinPath(r.physicalPath, r.pathInfo) : r.physicalPath]);
    env.push(['DOCUMENT_ROOT', r.docRoot]);
  }
  env.push(['REQUEST_METHOD', r.head.method]);
  env.push(['SERVER_PROTOCOL', r.head.httpVersion === 11 ? 'HTTP/1.1' : 'HTTP/1.0']);
  env.push(['SERVER_SOFTWARE', r.conf['server.tag']]);
  env.push(['GATEWAY_INTERFACE', 'CGI/1.1']);
  env.push(['REQUEST_SCHEME', r.scheme]);
  if (r.scheme === 'https') env.push(['HTTPS', 'on']);
  env.push(['SERVER_PORT', String(r.localPort)]);
  const serverAddr = unmapped(r.localAddress);
  env.push(['SERVER_ADDR', serverAddr]);
  env.push(['SERVER_NAME', serverName(r, serverAddr)]);
  env.push(['REMOTE_ADDR', unmapped(r.remoteIp)]);
  env.push(['REMOTE_PORT', String(r.remotePort)]);
  const h = r.head.headers;
  const firstHeader = env.length;
  // lighttpd keeps one entry per header, repeated lines joined with ", ": a request's few headers
  // are scanned for an earlier one (no Map per request), a long list is indexed
  const seen = h.length > 2 * MANY_HEADERS ? new Map<string, number>() : null;
  for (let i = 0; i + 1 < h.length; i += 2) {
    const name = h[i] as string;
    const value = h[i + 1] as string;
    if (value === '') continue;
    // httpoxy: a client's Proxy: header must never become HTTP_PROXY (https://httpoxy.org/)
    if (name === 'proxy') continue;
    const varName = headerVarName(name);
    let at: number;
    if (seen !== null) at = seen.get(varName) ?? env.length;
    else for (at = firstHeader; at < env.length && (env[at] as [string, string])[0] !== varName; ) at++;
    if (at < env.length) {
      (env[at] as [string, string])[1] += ', ' + value;
      continue;
    }
    seen?.set(varName, env.length);
    env.push([varName, value]);
  }
  // r->env (an authorizer's Variable-* headers), after the request headers as http_cgi_headers sends them
  for (const [name, value] of backendEnv(r)) env.push([cgiVarName(name, ''), value]);
  return env;
}

/** An IPv4 peer of a dual-stack socket is shown as lighttpd shows it: 127.0.0.1, not ::ffff:127.0.0.1. */
function unmapped(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}
