// mod_proxy (lighttpd 1.4.69 src/mod_proxy.c over src/gw_backend.c): requests whose URL path
// matches a proxy.server key (a "/prefix", an extension, or "" for all) go to an HTTP backend on a
// unix socket or TCP, matched in uri_clean (check-local is always off for proxy). The gateway core
// (gateway/gateway-plugin.ts) elects the backend (proxy.balance), streams the body and keeps the
// timeouts; this module is the HTTP codec: the request goes out as HTTP/1.1 with "Connection:
// close" (gateway/proxy-request.ts), its body chunk-encoded when a chunked body streams; the answer
// is read by gateway/http-response.ts. proxy.header's maps rewrite the request line, Host and URI
// headers on the way in and back on the way out (https-remap: with the scheme, for https requests).
// proxy.header "upgrade" passes an HTTP/1.1 client's Upgrade on, and the backend's 101 turns the
// connection into a tunnel (WebSocket); "connect" tunnels CONNECT to the backend, 405 without it.
import { HandlerResult, type DirectiveSpec } from '@libs/plugins';
import type { HttpPlugin } from '../core/plugin';
import type { Request } from '../core/request';
import { createGatewayPlugin } from './gateway/gateway-plugin';
import { HeaderRemap } from './gateway/header-remap';
import { HttpExchange } from './gateway/http-exchange';
import { HttpResponse } from './gateway/http-response';
import { parseProxyForwarded, parseProxyHeader, type ProxyHeaderOpts } from './gateway/proxy-config';
import { buildProxyRequest } from './gateway/proxy-request';

const NO_HEADER_OPTS: ProxyHeaderOpts = Object.freeze({
  forceHttp10: false,
  upgrade: false,
  connect: false,
  httpsRemap: false,
  remap: Object.freeze({ urlpaths: null, hostsRequest: null, hostsResponse: null }),
});

/** mod_proxy's directives beyond the gateway's proxy.server, proxy.balance, proxy.debug, proxy.map-extensions. */
const PROXY_SPECS: readonly DirectiveSpec[] = Object.freeze([
  { key: 'proxy.forwarded', type: 'array-kv-any', scope: 'connection', default: 0, parse: parseProxyForwarded },
  { key: 'proxy.header', type: 'array-kv-any', scope: 'connection', default: NO_HEADER_OPTS, parse: parseProxyHeader },
  { key: 'proxy.replace-http-host', type: 'boolean', scope: 'connection', default: false },
]);

/** PROXY_SPECS as request code reads them (compiled at start-up). */
interface ProxyConfig {
  readonly 'proxy.forwarded': number;
  readonly 'proxy.header': ProxyHeaderOpts;
  readonly 'proxy.replace-http-host': boolean;
}

export function createModProxy(): HttpPlugin {
  const plugin = createGatewayPlugin<ProxyConfig, HttpExchange>({
    name: 'mod_proxy',
    prefix: 'proxy',
    directives: PROXY_SPECS,
    cgi: false,
    checkLocal: false,
    connect: (host) => new HttpExchange(host),
    begin(r, x, conf) {
      const opts = conf['proxy.header'];
      if (r.head.method === 'CONNECT') return HttpResponse.connect(r, x);
      // a chunked body read whole has its length now; one that streams has none yet
      const bodyLength = r.reqBodyLength >= 0 ? r.reqBodyLength : r.reqBody.finished ? r.reqBody.bytesIn : -1;
      if (bodyLength === -1 && opts.forceHttp10) return 411;
      const maps = opts.remap;
      const remap =
        maps.urlpaths !== null || maps.hostsRequest !== null || maps.hostsResponse !== null
          ? new HeaderRemap(maps, r.head.host === '' ? null : r.head.host, opts.httpsRemap && r.scheme === 'https')
          : null;
      // mod_proxy_check_extension: upgrade &= HTTP/1.1
      const upgrade = opts.upgrade && r.head.httpVersion === 11;
      const out = buildProxyRequest({
        method: r.head.method,
        target: r.head.uri,
        httpVersion: r.head.httpVersion,
        host: r.head.host,
        headers: r.head.headers,
        bodyLength,
        remoteIp: r.remoteIp,
        scheme: r.scheme,
        localAddress: r.localAddress,
        localPort: r.localPort,
        serverSocket: r.serverSocket,
        forwarded: conf['proxy.forwarded'],
        replaceHost: conf['proxy.replace-http-host'] && x.host.id !== '' ? x.host.id : null,
        forceHttp10: opts.forceHttp10,
        upgrade,
        remap,
      });
      x.chunkedBody = out.chunked;
      x.write(out.head);
      return new HttpResponse(remap, upgrade);
    },
  });
  const checkExtension = plugin.handleUriClean as (r: Request) => HandlerResult;
  // mod_proxy_check_extension: CONNECT to a proxy.server key without "connect" => "enable" is 405
  // (the connection stays open, unlike the core's 405 for a CONNECT nobody takes)
  plugin.handleUriClean = (r: Request): HandlerResult => {
    const rc = checkExtension(r);
    if (rc !== HandlerResult.GoOn || r.handler !== plugin || r.head.method !== 'CONNECT') return rc;
    if ((r.moduleConfig('mod_proxy')['proxy.header'] as ProxyHeaderOpts).connect) return rc;
    r.handler = null;
    r.status = 405;
    return HandlerResult.Finished;
  };
  return plugin;
}
