// A FastCGI Authorizer ("mode" => "authorizer"), as lighttpd 1.4.69's gw_backend.c runs one: the
// request goes to the backend first, in the FCGI_AUTHORIZER role, without its body and with the CGI
// environment minus CONTENT_LENGTH, SCRIPT_NAME, PATH_INFO and PATH_TRANSLATED (http_cgi.c). An
// answer of 200 (or no Status) lets the request go on (gw_authorizer_ok): its "Variable-NAME: value"
// headers become NAME in the environment of every later backend request (http_header_env_append),
// the answer itself is dropped, and the request is handled again from the start with the
// authorizers of that module skipped. Any other answer, body included, is the response
// (http_response_process_headers: lines before a Status other than 200 are left out of it).
import { HandlerResult } from '@libs/plugins';
import type { Request } from '../../core/request';

/** lighttpd's r->env of each request: variables every later backend request of it carries. */
const envs = new WeakMap<Request, Array<[string, string]>>();

/** The variables added to the request's backend environment (cgi-env.ts sends them last). */
export function backendEnv(r: Request): ReadonlyArray<readonly [string, string]> {
  return envs.get(r) ?? [];
}

/**
 * http_header_env_append: lighttpd's r->env is keyed case-insensitively (the first spelling stays)
 * and a repeated name joins its values with ", ".
 */
export function appendBackendEnv(r: Request, name: string, value: string): void {
  let env = envs.get(r);
  if (env === undefined) envs.set(r, (env = []));
  const lower = name.toLowerCase();
  const known = env.find((e) => e[0].toLowerCase() === lower);
  if (known === undefined) env.push([name, value]);
  else known[1] = known[1] === '' ? value : `${known[1]}, ${value}`;
}

/**
 * gw_authorizer_ok, once the authorizer's answer ended (the caller closed the backend): the
 * Variable-* headers kept, the answer dropped, and the request restarted (HANDLER_COMEBACK) so
 * that other handlers take it, from the URL path the client asked for (lighttpd re-parses the
 * target: a path-info split made on the way is undone).
 */
export function authorizerOk(r: Request, variables: ReadonlyArray<readonly [string, string]>): HandlerResult {
  for (const [name, value] of variables) appendBackendEnv(r, name, value);
  r.resetResponse();
  r.status = 0;
  r.wireKey = null;
  r.handler = null;
  r.url += r.pathInfo;
  r.pathInfo = '';
  r.physicalPath = '';
  r.fileStat = null;
  return HandlerResult.Comeback;
}
