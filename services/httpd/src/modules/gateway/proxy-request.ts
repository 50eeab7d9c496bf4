// The request head mod_proxy sends a backend, as lighttpd 1.4.69's proxy_create_env and
// proxy_set_Forwarded build it (src/mod_proxy.c): the request line with HTTP/1.1 (HTTP/1.0 without
// a Host, or with force-http10), Host (the host's label with proxy.replace-http-host), the body's
// framing, "Forwarded" when proxy.forwarded asks, X-Forwarded-For / X-Host / X-Forwarded-Host /
// X-Forwarded-Proto always, the client's headers without the hop-by-hop ones (Upgrade passes with
// proxy.header "upgrade"), "Connection: close" (", upgrade" when Upgrade passed).
import type { HeaderRemap } from './header-remap';
import { FORWARDED_BY, FORWARDED_FOR, FORWARDED_HOST, FORWARDED_PROTO } from './proxy-config';

export interface ProxyRequestInput {
  readonly method: string;
  /** The request-target in origin form, as received. */
  readonly target: string;
  readonly httpVersion: 10 | 11;
  /** The client's Host, '' without one. */
  readonly host: string;
  /** The client's headers, flat [lower-case name, value, ...]. */
  readonly headers: readonly string[];
  /** Body bytes to send: a length (0: none), or -1 for a chunked body still streaming in. */
  readonly bodyLength: number;
  readonly remoteIp: string;
  readonly scheme: string;
  /** The address and port the request came in on, and the listening socket's name (for "by"). */
  readonly localAddress: string;
  readonly localPort: number;
  readonly serverSocket: string;
  /** proxy.forwarded flags. */
  readonly forwarded: number;
  /** proxy.replace-http-host: the host label to send as Host ('' or null: the client's Host). */
  readonly replaceHost: string | null;
  readonly forceHttp10: boolean;
  /** proxy.header "upgrade" for an HTTP/1.1 request: the client's Upgrade goes to the backend. */
  readonly upgrade: boolean;
  /** proxy.header's map-urlpath / map-host-request, when set. */
  readonly remap: HeaderRemap | null;
}

/** "X-Forwarded-For" as lighttpd spells the headers it adds; the client's names are sent in this case too. */
function canonical(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/** buffer_append_string_backslash_escaped: '"', '\', DEL and control characters other than tab escaped. */
function escaped(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += ch === '"' || ch === '\\' || c === 0x7f || (c < 0x20 && c !== 0x09) ? `\\${ch}` : ch;
  }
  return out;
}
const quoted = (s: string): string => `"${escaped(s)}"`;

/** proxy_set_Forwarded: the "Forwarded" value, given any the client sent and its X-Forwarded-For. */
function forwardedValue(x: ProxyRequestInput, sent: string | undefined, xff: string | undefined): string {
  let b = '';
  if (sent !== undefined) b = `${sent}, `;
  else if (xff !== undefined) {
    // seeded from X-Forwarded-For; a colon is taken to mean IPv6
    for (const ip of xff.split(/[ \t,]+/)) if (ip !== '') b += ip.includes(':') ? `for="[${escaped(ip)}]", ` : `for=${quoted(ip)}, `;
  }
  const params: string[] = [];
  if (x.forwarded & FORWARDED_FOR) params.push(`for=${x.remoteIp.includes(':') ? `"[${x.remoteIp}]"` : x.remoteIp}`);
  if (x.forwarded & FORWARDED_BY) {
    const by = x.serverSocket.startsWith('/') ? x.serverSocket : x.localAddress.includes(':') ? `[${x.localAddress}]:${x.localPort}` : `${x.localAddress}:${x.localPort}`;
    params.push(`by=${quoted(by)}`);
  }
  if (x.forwarded & FORWARDED_PROTO) params.push(`proto=${x.scheme}`);
  if (x.forwarded & FORWARDED_HOST && x.host !== '') params.push(`host=${quoted(x.host)}`);
  // remote_user: REMOTE_USER is set by auth modules, none of which is built yet
  return b + params.join(';');
}

/** The head to write to the backend (latin1), and whether the body goes out chunk-encoded. */
export function buildProxyRequest(x: ProxyRequestInput): { readonly head: Buffer; readonly chunked: boolean } {
  // the client's headers, repeated names joined as lighttpd's request parser joins them
  const names: string[] = [];
  const values = new Map<string, string>();
  for (let i = 0; i < x.headers.length; i += 2) {
    const n = x.headers[i] as string;
    const v = x.headers[i + 1] as string;
    const old = values.get(n);
    if (old === undefined) names.push(n);
    values.set(n, old === undefined ? v : `${old}, ${v}`);
  }
  const set = (n: string, v: string): void => {
    if (!values.has(n)) names.push(n);
    values.set(n, v);
  };

  const lines: string[] = [];
  const http10 = x.forceHttp10 || (x.replaceHost === null && x.host === '');
  const remap = x.remap !== null && x.remap.onRequest ? x.remap : null;
  lines.push(`${x.method} ${remap !== null ? remap.uri(x.target, true) : x.target} HTTP/1.${http10 ? 0 : 1}`);
  if (x.replaceHost !== null) lines.push(`Host: ${x.replaceHost}`);
  else if (x.host !== '') lines.push(`Host: ${remap !== null ? remap.host(x.host, true) : x.host}`);

  let chunked = false;
  if (x.bodyLength > 0 || (x.bodyLength === 0 && x.method !== 'GET' && x.method !== 'HEAD')) {
    // a chunked body read whole first gets its length
    if (!values.has('content-length')) set('content-length', String(x.bodyLength));
  } else if (x.bodyLength === -1) {
    chunked = true;
    lines.push('Transfer-Encoding: chunked');
  }

  // "Forwarded" is set before X-Forwarded-For is extended
  if (x.forwarded !== 0) set('forwarded', forwardedValue(x, values.get('forwarded'), values.get('x-forwarded-for')));
  const xff = values.get('x-forwarded-for');
  set('x-forwarded-for', xff === undefined ? x.remoteIp : `${xff}, ${x.remoteIp}`);
  if (x.host !== '') {
    set('x-host', x.host);
    set('x-forwarded-host', x.host);
  }
  set('x-forwarded-proto', x.scheme);

  let connection: string | undefined;
  let te = false;
  let upgrade = false;
  for (const n of names) {
    const v = values.get(n) as string;
    switch (n) {
      // Host was written above; Proxy never passes (httpoxy); Set-Cookie is a response header (not
      // reflected); connections.c answered Expect itself and removed it
      case 'host':
      case 'proxy-connection':
      case 'proxy':
      case 'set-cookie':
      case 'expect':
        continue;
      case 'upgrade':
        if (x.forceHttp10 || x.httpVersion !== 11 || !x.upgrade) continue;
        upgrade = true;
        break;
      case 'connection':
        connection = v;
        continue;
      case 'te':
        if (x.forceHttp10 || x.httpVersion === 10 || v.toLowerCase() !== 'trailers') continue;
        te = true;
        break;
    }
    if (v === '') continue;
    // WebDAV's Destination and Content-Location carry URIs of this site
    const mapped = remap !== null && (n === 'destination' || n === 'content-location') ? remap.uri(v, true) : v;
    lines.push(`${canonical(n)}: ${mapped}`);
  }
  // mod_proxy always sends "Connection: close" to the backend, with the tokens of what it passed on
  // when the client sent a Connection header other than "close"
  const tokens = connection !== undefined && !x.forceHttp10 && x.httpVersion === 11 && connection.toLowerCase() !== 'close';
  lines.push(`Connection: close${tokens && te ? ', te' : ''}${tokens && upgrade ? ', upgrade' : ''}`, '', '');
  return { head: Buffer.from(lines.join('\r\n'), 'latin1'), chunked };
}
