// FastCGI 1.0 wire constants in one place, as lighttpd's compat/fastcgi.h (and the spec's
// fastcgi.h) spell them: header layout, record types, roles, flags and protocol statuses.

/** Number of bytes in a record header (FCGI_HEADER_LEN). */
export const FCGI_HEADER_LEN = 8;
/** Value of the header's version byte (FCGI_VERSION_1). */
export const FCGI_VERSION_1 = 1;
/** Largest contentLength a single record can carry (16-bit field). */
export const FCGI_MAX_CONTENT_LENGTH = 0xffff;
/** Largest paddingLength a record can carry (8-bit field). */
export const FCGI_MAX_PADDING_LENGTH = 0xff;
/**
 * Largest content we put in one stream record: 65535 rounded down to a multiple of 8, so that
 * only the last record of a split body needs padding (php's fastcgi.c uses the same 0xfff8).
 */
export const FCGI_MAX_STREAM_CHUNK = 0xfff8;
/** Request id of management records (FCGI_NULL_REQUEST_ID). */
export const FCGI_NULL_REQUEST_ID = 0;
/** File descriptor on which a FastCGI application inherits its listening socket. */
export const FCGI_LISTENSOCK_FILENO = 0;

/** Record types (FCGI_BEGIN_REQUEST .. FCGI_UNKNOWN_TYPE). */
export const FCGI_BEGIN_REQUEST = 1;
export const FCGI_ABORT_REQUEST = 2;
export const FCGI_END_REQUEST = 3;
export const FCGI_PARAMS = 4;
export const FCGI_STDIN = 5;
export const FCGI_STDOUT = 6;
export const FCGI_STDERR = 7;
export const FCGI_DATA = 8;
export const FCGI_GET_VALUES = 9;
export const FCGI_GET_VALUES_RESULT = 10;
export const FCGI_UNKNOWN_TYPE = 11;
export const FCGI_MAXTYPE = FCGI_UNKNOWN_TYPE;

/** Body sizes of the fixed-size records (FCGI_BeginRequestBody, FCGI_EndRequestBody, FCGI_UnknownTypeBody). */
export const FCGI_BEGIN_REQUEST_BODY_LEN = 8;
export const FCGI_END_REQUEST_BODY_LEN = 8;
export const FCGI_UNKNOWN_TYPE_BODY_LEN = 8;

/** Mask for FCGI_BeginRequestBody.flags: keep the connection open after the request. */
export const FCGI_KEEP_CONN = 1;

/** Roles (FCGI_BeginRequestBody.role). */
export const FCGI_RESPONDER = 1;
export const FCGI_AUTHORIZER = 2;
export const FCGI_FILTER = 3;

/** Values of FCGI_EndRequestBody.protocolStatus. */
export const FCGI_REQUEST_COMPLETE = 0;
export const FCGI_CANT_MPX_CONN = 1;
export const FCGI_OVERLOADED = 2;
export const FCGI_UNKNOWN_ROLE = 3;

/** Variable names for FCGI_GET_VALUES / FCGI_GET_VALUES_RESULT records. */
export const FCGI_MAX_CONNS = 'FCGI_MAX_CONNS';
export const FCGI_MAX_REQS = 'FCGI_MAX_REQS';
export const FCGI_MPXS_CONNS = 'FCGI_MPXS_CONNS';

/** The record types that carry a byte stream terminated by an empty record. */
export type StreamRecordType =
  | typeof FCGI_PARAMS
  | typeof FCGI_STDIN
  | typeof FCGI_STDOUT
  | typeof FCGI_STDERR
  | typeof FCGI_DATA;

export function isStreamRecordType(type: number): type is StreamRecordType {
  return type === FCGI_PARAMS || type === FCGI_STDIN || type === FCGI_STDOUT || type === FCGI_STDERR || type === FCGI_DATA;
}

/** Management record types: always sent with request id 0. */
export function isManagementRecordType(type: number): boolean {
  return type === FCGI_GET_VALUES || type === FCGI_GET_VALUES_RESULT || type === FCGI_UNKNOWN_TYPE;
}
