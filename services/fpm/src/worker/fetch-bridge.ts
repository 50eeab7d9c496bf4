// Maps between FastCGI and the Fetch API: CGI/1.1 params (RFC 3875) become a Request, a Response
// becomes a CGI response ("Status:" line, headers, body) for the web server to relay.
import { Readable } from 'node:stream';
import type { ParamList } from '@libs/fastcgi';
import { LightRequest } from './light-request';
import type { PlainResponse } from './light-response';

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other',
  304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request',
  401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 429: 'Too Many Requests',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export function requestFromParams(params: ParamList, stdin: () => Readable): Request {
  const method = params.get('REQUEST_METHOD') ?? 'GET';
  const https = (params.get('HTTPS') ?? '') !== '' && params.get('HTTPS') !== 'off';
  const scheme = params.get('REQUEST_SCHEME') ?? (https ? 'https' : 'http');
  const host = params.get('HTTP_HOST') ?? `${params.get('SERVER_NAME') ?? 'localhost'}:${params.get('SERVER_PORT') ?? '80'}`;
  let uri = params.get('REQUEST_URI');
  if (uri === undefined) {
    const query = params.get('QUERY_STRING') ?? '';
    uri = (params.get('SCRIPT_NAME') ?? '/') + (params.get('PATH_INFO') ?? '') + (query === '' ? '' : `?${query}`);
  }
  // The body stream is made only if the handler reads the body (the caller drops it otherwise).
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const body = hasBody ? (): ReadableStream<Uint8Array> => Readable.toWeb(stdin()) as ReadableStream<Uint8Array> : null;
  // The usual origin-form URI is joined as text (the Request parses it once); anything else is
  // resolved against the origin as a URL.
  const base = `${scheme}://${host}`;
  const plain = uri.startsWith('/') && !uri.startsWith('//') && !/[/?#\\@]/.test(host);
  const url = plain ? base + uri : new URL(uri, base);
  return LightRequest.from({ method, url, headers: () => headerList(params), body });
}

/**
 * The request headers as plain pairs, made when a handler first looks at them (the Request
 * copies them into its own Headers). CONTENT_TYPE and CONTENT_LENGTH win over the HTTP_ copies
 * nginx also sends. Values are the bytes the client sent, one char each, as the Fetch API holds
 * header values (a ByteString): "X-Name: 日本" in UTF-8 or a raw 0xE9 in a cookie reach the
 * handler intact, where their decoded text would not fit in a Headers at all.
 */
function headerList(params: ParamList): [string, string][] {
  const contentType = params.getLatin1('CONTENT_TYPE');
  const contentLength = params.getLatin1('CONTENT_LENGTH');
  const headers: [string, string][] = [];
  for (const name of params.keys()) {
    if (!name.startsWith('HTTP_')) continue;
    const header = headerName(name);
    if ((contentType && header === 'content-type') || (contentLength && header === 'content-length')) continue;
    headers.push([header, params.getLatin1(name) ?? '']);
  }
  if (contentType) headers.push(['content-type', contentType]);
  if (contentLength) headers.push(['content-length', contentLength]);
  return headers;
}

/** HTTP_ACCEPT_LANGUAGE -> accept-language; nginx sends the same few dozen names again and again. */
const headerNames = new Map<string, string>();
function headerName(param: string): string {
  let name = headerNames.get(param);
  if (name === undefined) {
    name = param.slice(5).toLowerCase().replace(/_/g, '-');
    if (headerNames.size < 1024) headerNames.set(param, name);
  }
  return name;
}

/** The CGI head of a response: "Status: 200 OK" first, then every header, then a blank line. */
export function cgiHead(response: Response): string {
  return headOf(response.status, response.statusText, response.headers, response.body !== null);
}

/** The same for a response the handler made from a string, bytes or nothing (see LightResponse). */
export function plainCgiHead(response: PlainResponse): string {
  if (response.headers === null) {
    // No headers given and nobody asked for them: a string body's default type is the only one.
    const type = typeof response.body === 'string' ? 'content-type: text/plain;charset=UTF-8\r\n' : '';
    return `${statusLine(response.status, response.statusText)}${type}\r\n`;
  }
  return headOf(response.status, response.statusText, response.headers, response.body !== null);
}

function statusLine(status: number, statusText: string): string {
  return `Status: ${status} ${statusText || STATUS_TEXT[status] || ''}\r\n`;
}

function headOf(status: number, statusText: string, headers: Headers, hasBody: boolean): string {
  let head = statusLine(status, statusText);
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') head += `${name}: ${value}\r\n`;
  });
  for (const cookie of headers.getSetCookie()) head += `set-cookie: ${cookie}\r\n`;
  if (hasBody && !headers.has('content-type')) head += 'content-type: text/plain;charset=UTF-8\r\n';
  return head + '\r\n';
}

/** A plain CGI error response, as php-fpm answers "File not found." and "Access denied.". */
export function cgiError(status: number, body: string): string {
  return `Status: ${status} ${STATUS_TEXT[status] ?? ''}\r\nContent-type: text/html; charset=UTF-8\r\n\r\n${body}\n`;
}
