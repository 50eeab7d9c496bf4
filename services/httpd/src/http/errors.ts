// The HTTP codec's error catalogue: one factory per answer the request parser can give, each
// carrying the HTTP status lighttpd 1.4.69 (src/request.c, src/h1.c) sends for the same input.

export type HttpErrorCode =
  | 'HTTPD_ERR_BAD_REQUEST'
  | 'HTTPD_ERR_FORBIDDEN'
  | 'HTTPD_ERR_LENGTH_REQUIRED'
  | 'HTTPD_ERR_PAYLOAD_TOO_LARGE'
  | 'HTTPD_ERR_EXPECTATION_FAILED'
  | 'HTTPD_ERR_HEADER_FIELDS_TOO_LARGE'
  | 'HTTPD_ERR_NOT_IMPLEMENTED'
  | 'HTTPD_ERR_VERSION_NOT_SUPPORTED'
  | 'HTTPD_ERR_PARSER_FAILED';

export class HttpError extends Error {
  readonly code: HttpErrorCode;
  /** the status to answer with (the connection closes after it: keep-alive is never kept). */
  readonly status: number;
  /** lighttpd's log wording ("duplicate Host header"), for debug.log-request-header-on-error. */
  readonly detail: string;

  constructor(code: HttpErrorCode, status: number, detail: string) {
    super(`${detail} -> ${status}`);
    this.name = 'HttpError';
    this.code = code;
    this.status = status;
    this.detail = detail;
  }
}

export function isHttpError(err: unknown): err is HttpError {
  return err instanceof HttpError;
}

export const httpErrors = {
  badRequest: (detail: string) => new HttpError('HTTPD_ERR_BAD_REQUEST', 400, detail),
  forbidden: (detail: string) => new HttpError('HTTPD_ERR_FORBIDDEN', 403, detail),
  lengthRequired: () => new HttpError('HTTPD_ERR_LENGTH_REQUIRED', 411, 'POST-request, but content-length missing'),
  payloadTooLarge: (length: number, limit: number) =>
    new HttpError('HTTPD_ERR_PAYLOAD_TOO_LARGE', 413, `request-size too long: ${length} > ${limit}`),
  expectationFailed: (value: string) =>
    new HttpError('HTTPD_ERR_EXPECTATION_FAILED', 417, `unsupported Expect: ${JSON.stringify(value)}`),
  headerFieldsTooLarge: (limit: number) =>
    new HttpError('HTTPD_ERR_HEADER_FIELDS_TOO_LARGE', 431, `oversized request-header (limit ${limit} bytes)`),
  notImplemented: (detail: string) => new HttpError('HTTPD_ERR_NOT_IMPLEMENTED', 501, detail),
  versionNotSupported: () => new HttpError('HTTPD_ERR_VERSION_NOT_SUPPORTED', 505, 'unknown HTTP version'),
  parserFailed: () => new HttpError('HTTPD_ERR_PARSER_FAILED', 400, 'parser already failed; input is no longer accepted'),
} as const;
