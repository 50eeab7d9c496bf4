// Public surface of @libs/fastcgi: the FastCGI 1.0 record codec (no I/O), the server and client
// helpers built on it, a CGI response head parser, and thin net.Socket adapters.
export * from './lib/constants';
export { FastcgiError, isFastcgiError, errors as fastcgiErrors, FASTCGI_ERROR_CODES, type FastcgiErrorCode } from './lib/errors';
export {
  encodeNameValuePairs,
  decodeNameValuePairs,
  NameValueDecoder,
  type NameValueDecoderOptions,
  type NameValueInput,
  type ParamsEncoding,
} from './lib/name-value';
export {
  paddingFor,
  writeHeader,
  encodeRecord,
  encodeStream,
  encodeStreamEnd,
  encodeBeginRequest,
  encodeAbortRequest,
  encodeEndRequest,
  encodeUnknownType,
  encodeParams,
  encodeGetValues,
  encodeGetValuesResult,
} from './lib/record-encoder';
export { ParamList } from './lib/param-list';
export { RecordParser, type FastcgiRecord, type ParseStatus, type RecordParserOptions } from './lib/record-parser';
export {
  FastcgiServerConnection,
  FastcgiServerRequest,
  type FastcgiServerConnectionOptions,
} from './lib/server-connection';
export {
  encodeRequest,
  FastcgiClient,
  FastcgiClientRequest,
  type EncodeRequestOptions,
  type FastcgiClientOptions,
  type FastcgiClientRequestOptions,
} from './lib/client-connection';
export { CgiHeadParser, parseCgiResponse, type CgiHeadParserOptions, type CgiResponseHead } from './lib/cgi-head';
export {
  serveFastcgi,
  FastcgiClientConnection,
  type FastcgiHandler,
  type FastcgiServing,
  type ServeFastcgiOptions,
  type FastcgiResponse,
  type FastcgiClientConnectionOptions,
} from './lib/socket-adapter';
export { readIntoBuffer } from './lib/borrowed-reads';
