// mod_scgi (lighttpd 1.4.69 src/mod_scgi.c over src/gw_backend.c): requests whose path matches a
// scgi.server key go to an SCGI or uwsgi application server on a unix socket or TCP. The gateway
// core (gateway/gateway-plugin.ts) matches keys, elects the backend (scgi.balance), streams the body
// and keeps the timeouts; this module is the codec: once connected, the CGI environment framed as
// scgi.protocol says (gateway/scgi-request.ts), then the body as it is; the answer is a CGI response
// that ends when the backend closes. As upstream, SCGI's environment ignores broken-scriptfilename
// and strip-request-uri (http_cgi_opts without them).
import { pluginsErrDirectiveType, type DirectiveSpec, type TypedValue } from '@libs/plugins';
import type { HttpPlugin } from '../core/plugin';
import { cgiEnvironment } from './gateway/cgi-env';
import { CgiResponse } from './gateway/cgi-response';
import { GatewayExchange } from './gateway/gateway-exchange';
import { createGatewayPlugin } from './gateway/gateway-plugin';
import { encodeScgiHead, type ScgiProtocol } from './gateway/scgi-request';

/** mod_scgi_set_defaults: "scgi" or "uwsgi", anything else stops the start. */
function parseScgiProtocol(value: TypedValue, where: string): ScgiProtocol {
  if (value === 'scgi' || value === 'uwsgi') return value;
  throw pluginsErrDirectiveType('scgi.protocol', `expected "scgi" or "uwsgi", not "${String(value)}"`, where);
}

/** mod_scgi's directives beyond the gateway's scgi.server, scgi.balance, scgi.debug, scgi.map-extensions. */
const SCGI_SPECS: readonly DirectiveSpec[] = Object.freeze([{ key: 'scgi.protocol', type: 'string', scope: 'connection', default: 'scgi', parse: parseScgiProtocol }]);

interface ScgiConfig {
  readonly 'scgi.protocol': ScgiProtocol;
}

export function createModScgi(): HttpPlugin {
  return createGatewayPlugin<ScgiConfig, GatewayExchange>({
    name: 'mod_scgi',
    prefix: 'scgi',
    directives: SCGI_SPECS,
    cgi: true,
    checkLocal: true,
    connect: (host) => new GatewayExchange(host),
    begin(r, x, conf) {
      const length = r.reqBodyLength >= 0 ? r.reqBodyLength : r.reqBody.bytesIn;
      const env = cgiEnvironment(r, { docroot: x.host.docroot, brokenScriptFilename: false, stripRequestUri: null }, length);
      const head = encodeScgiHead(conf['scgi.protocol'], env);
      if (head.kind === 'error') return head.status;
      x.write(head.bytes);
      return new CgiResponse();
    },
  });
}
