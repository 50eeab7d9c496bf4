// Maps between FastCGI and the Fetch API: CGI/1.1 params (RFC 3875) become a Request, a Response
// becomes a CGI response ("Status:" line, headers, body) for the web server to relay.
import { Readable } from 'node:stream';

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other',
  304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request',
  401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 429: 'Too Many Requests',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export function requestFromParams(params: ReadonlyMap<string, string>, stdin: Readable): Request {
  const method = params.get('REQUEST_METHOD') ?? 'GET';
  const https = (params.get('HTTPS') ?? '') !== '' && params.get('HTTPS') !== 'off';
  const scheme = params.get('REQUEST_SCHEME') ?? (https ? 'https' : 'http');
  const host = params.get('HTTP_HOST') ?? `${params.get('SERVER_NAME') ?? 'localhost'}:${params.get('SERVER_PORT') ?? '80'}`;
  let uri = params.get('REQUEST_URI');
  if (uri === undefined) {
    const query = params.get('QUERY_STRING') ?? '';
    uri = (params.get('SCRIPT_NAME') ?? '/') + (params.get('PATH_INFO') ?? '') + (query === '' ? '' : `?${query}`);
  }
  const headers = new Headers();
  for (const [name, value] of params) {
    if (name.startsWith('HTTP_')) headers.append(name.slice(5).toLowerCase().replace(/_/g, '-'), value);
  }
  const contentType = params.get('CONTENT_TYPE');
  if (contentType) headers.set('content-type', contentType);
  const contentLength = params.get('CONTENT_LENGTH');
  if (contentLength) headers.set('content-length', contentLength);

  const hasBody = method !== 'GET' && method !== 'HEAD';
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (hasBody) {
    init.body = Readable.toWeb(stdin) as ReadableStream<Uint8Array>;
    init.duplex = 'half';
  } else {
    stdin.resume();
  }
  return new Request(new URL(uri, `${scheme}://${host}`), init);
}

/** The CGI head of a response: "Status: 200 OK" first, then every header, then a blank line. */
export function cgiHead(response: Response): string {
  let head = `Status: ${response.status} ${response.statusText || STATUS_TEXT[response.status] || ''}\r\n`;
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') head += `${name}: ${value}\r\n`;
  });
  for (const cookie of response.headers.getSetCookie()) head += `set-cookie: ${cookie}\r\n`;
  if (!response.headers.has('content-type') && response.body !== null) head += 'content-type: text/plain;charset=UTF-8\r\n';
  return head + '\r\n';
}

/** A plain CGI error response, as php-fpm answers "File not found." and "Access denied.". */
export function cgiError(status: number, body: string): string {
  return `Status: ${status} ${STATUS_TEXT[status] ?? ''}\r\nContent-type: text/html; charset=UTF-8\r\n\r\n${body}\n`;
}
