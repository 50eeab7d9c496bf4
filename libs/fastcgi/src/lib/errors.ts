// The FastCGI error catalogue: one factory per failure with a stable code (fastify's errors.js
// pattern); the parser and helpers throw or report only these.

export const FASTCGI_ERROR_CODES = [
  'FASTCGI_ERR_VERSION',
  'FASTCGI_ERR_RECORD_TOO_LARGE',
  'FASTCGI_ERR_RECORD_LENGTH',
  'FASTCGI_ERR_PARAMS',
  'FASTCGI_ERR_PARAMS_TOO_LARGE',
  'FASTCGI_ERR_TRUNCATED',
  'FASTCGI_ERR_PROTOCOL',
  'FASTCGI_ERR_PARSER_FAILED',
  'FASTCGI_ERR_CGI_HEAD',
  'FASTCGI_ERR_CLOSED',
  'FASTCGI_ERR_HANDLER',
] as const;

export type FastcgiErrorCode = (typeof FASTCGI_ERROR_CODES)[number];

export class FastcgiError extends Error {
  readonly code: FastcgiErrorCode;

  constructor(code: FastcgiErrorCode, message: string) {
    super(message);
    this.name = 'FastcgiError';
    this.code = code;
  }
}

export function isFastcgiError(err: unknown): err is FastcgiError {
  return err instanceof FastcgiError;
}

export const errors = {
  version: (version: number) =>
    new FastcgiError('FASTCGI_ERR_VERSION', `unsupported FastCGI version ${version} (expected 1)`),
  recordTooLarge: (length: number, limit: number) =>
    new FastcgiError('FASTCGI_ERR_RECORD_TOO_LARGE', `record content of ${length} bytes exceeds the limit of ${limit}`),
  recordLength: (type: number, length: number, expected: number) =>
    new FastcgiError('FASTCGI_ERR_RECORD_LENGTH', `record type ${type} has content length ${length}, expected ${expected}`),
  params: (reason: string) => new FastcgiError('FASTCGI_ERR_PARAMS', `malformed name-value pairs: ${reason}`),
  paramsTooLarge: (length: number, limit: number) =>
    new FastcgiError('FASTCGI_ERR_PARAMS_TOO_LARGE', `name-value pairs of ${length} bytes exceed the limit of ${limit}`),
  truncated: (missing: number) =>
    new FastcgiError('FASTCGI_ERR_TRUNCATED', `input ended inside a record (${missing} bytes missing)`),
  protocol: (reason: string) => new FastcgiError('FASTCGI_ERR_PROTOCOL', `protocol violation: ${reason}`),
  parserFailed: () => new FastcgiError('FASTCGI_ERR_PARSER_FAILED', 'parser already failed; input is no longer accepted'),
  cgiHead: (reason: string) => new FastcgiError('FASTCGI_ERR_CGI_HEAD', `malformed CGI response head: ${reason}`),
  handler: (reason: string) => new FastcgiError('FASTCGI_ERR_HANDLER', `request handler failed: ${reason}`),
  closed: (what: string) => new FastcgiError('FASTCGI_ERR_CLOSED', `${what} is closed`),
} as const;
