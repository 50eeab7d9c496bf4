// mod_fastcgi (lighttpd 1.4.69 src/mod_fastcgi.c over src/gw_backend.c): requests whose path
// matches a fastcgi.server key go to a FastCGI responder on a unix socket or TCP. The gateway core
// (gateway/gateway-plugin.ts) matches keys, elects the backend (fastcgi.balance), streams the body
// and keeps the timeouts; this module is the FastCGI codec: BEGIN_REQUEST and the CGI environment as
// PARAMS once connected (fcgi_create_env), the body as STDIN records, STDOUT read as a CGI response
// that ends with END_REQUEST, STDERR to the error log; hosts with "mode" => "authorizer" are asked
// first in the FCGI_AUTHORIZER role (gateway/authorizer.ts).
import { FCGI_AUTHORIZER, FCGI_RESPONDER } from '@libs/fastcgi';
import type { DirectiveSpec } from '@libs/plugins';
import type { HttpPlugin } from '../core/plugin';
import { cgiEnvironment } from './gateway/cgi-env';
import { CgiResponse } from './gateway/cgi-response';
import { FastcgiExchange } from './gateway/fastcgi-exchange';
import { createGatewayPlugin } from './gateway/gateway-plugin';
import { IdleConnections } from './gateway/idle-connections';

/** mod_fastcgi has no directives beyond the gateway's own. */
const NO_MORE_DIRECTIVES: readonly DirectiveSpec[] = Object.freeze([]);

export function createModFastcgi(): HttpPlugin {
  // kept-alive connections of the hosts with keep-conn, this process's own
  const idle = new IdleConnections();
  return createGatewayPlugin<object, FastcgiExchange>({
    name: 'mod_fastcgi',
    prefix: 'fastcgi',
    directives: NO_MORE_DIRECTIVES,
    cgi: true,
    checkLocal: true,
    keepConn: true,
    authorizer: true,
    connect: (host, r, fresh) => new FastcgiExchange(host, r.env.log, host.keepConn ? idle : null, fresh),
    cleanup: () => idle.closeAll(),
    begin(r, x, _conf, authorizer) {
      const length = r.reqBodyLength >= 0 ? r.reqBodyLength : r.reqBody.bytesIn;
      x.begin(cgiEnvironment(r, x.host, length, authorizer), authorizer ? FCGI_AUTHORIZER : FCGI_RESPONDER);
      return new CgiResponse(authorizer);
    },
  });
}
