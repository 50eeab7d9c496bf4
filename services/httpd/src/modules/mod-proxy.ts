// mod_proxy (lighttpd 1.4.69 src/mod_proxy.c over src/gw_backend.c): requests whose URL path
// matches a proxy.server key (a "/prefix", an extension, or "" for all) go to an HTTP backend on a
// unix socket or TCP, matched in uri_clean (check-local is always off for proxy). The gateway core
// (gateway/gateway-plugin.ts) elects the backend (proxy.balance), streams the body and keeps the
// timeouts; this module is the HTTP codec: the request goes out as HTTP/1.1 with "Connection:
// close" (gateway/proxy-request.ts), its body chunk-encoded when a chunked body streams; the answer
// is read by gateway/http-response.ts. proxy.header's maps rewrite the request line, Host and URI
// headers on the way in and back on the way out.
import type { DirectiveSpec } from '@libs/plugins';
import type { HttpPlugin } from '../core/plugin';
import { createGatewayPlugin } from './gateway/gateway-plugin';
import { HeaderRemap } from './gateway/header-remap';
import { HttpExchange } from './gateway/http-exchange';
import { HttpResponse } from './gateway/http-response';
import { parseProxyForwarded, parseProxyHeader, type ProxyHeaderOpts } from './gateway/proxy-config';
import { buildProxyRequest } from './gateway/proxy-request';

const NO_HEADER_OPTS: ProxyHeaderOpts = Object.freeze({ forceHttp10: false, remap: Object.freeze({ urlpaths: null, hostsRequest: null, hostsResponse: null }) });

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
  return createGatewayPlugin<ProxyConfig, HttpExchange>({
    name: 'mod_proxy',
    prefix: 'proxy',
    directives: PROXY_SPECS,
    cgi: false,
    checkLocal: false,
    connect: (host) => new HttpExchange(host),
    begin(r, x, conf) {
      const opts = conf['proxy.header'];
      // a chunked body read whole has its length now; one that streams has none yet
      const bodyLength = r.reqBodyLength >= 0 ? r.reqBodyLength : r.reqBody.finished ? r.reqBody.bytesIn : -1;
      if (bodyLength === -1 && opts.forceHttp10) return 411;
      const maps = opts.remap;
      const remap =
        maps.urlpaths !== null || maps.hostsRequest !== null || maps.hostsResponse !== null ? new HeaderRemap(maps, r.head.host === '' ? null : r.head.host) : null;
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
        remap,
      });
      x.chunkedBody = out.chunked;
      x.write(out.head);
      return new HttpResponse(remap);
    },
  });
}
