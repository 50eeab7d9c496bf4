// access.suppress_path[] (php-fpm 8.2's fpm_access_log_suppress()): a request to one of these paths
// (health checks, a ping page) is left out of the access log, but only when nothing about it is
// worth a line: a GET or HEAD without a query string or a request body, answered with a 2xx. The
// path compared is the one %r logs.
import { requestPath } from './access-format';

export function accessSuppressed(paths: ReadonlySet<string>, params: ReadonlyMap<string, string>, status: number): boolean {
  if (paths.size === 0) return false;
  const method = params.get('REQUEST_METHOD');
  if (method !== 'GET' && method !== 'HEAD') return false;
  if ((params.get('QUERY_STRING') ?? '') !== '') return false;
  if (status < 200 || status > 299) return false;
  if (Number(params.get('CONTENT_LENGTH') ?? 0) > 0) return false;
  return paths.has(requestPath(params));
}
