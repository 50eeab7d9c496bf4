// Public surface of the httpd service: the HTTP/1.1 codec (request parser, response head
// serializer) and URL handling; other parts of httpd-ts add their exports here.
export { HttpError, isHttpError, httpErrors, type HttpErrorCode } from './http/errors';
export {
  RequestParser,
  ParseStatus,
  type RequestHead,
  type RequestParserOptions,
  type HttpVersion,
} from './http/request-parser';
export { normalizeHost } from './http/host';
export { KNOWN_METHODS } from './http/methods';
export { reasonPhrase, statusHasNoBody } from './http/status-codes';
export { dateHeader, refreshDateHeader } from './http/http-date';
export {
  serializeResponseHead,
  encodeChunk,
  LAST_CHUNK,
  CONTINUE_100,
  type ResponseHeadInit,
  type ResponseHead,
  type BodyFraming,
} from './http/response-head';
export {
  parseRequestPath,
  urlDecodePath,
  simplifyPath,
  assertNoEncodedControls,
  type RequestPath,
} from './url/request-path';
export {
  resolvePhysicalPath,
  urlPathToFs,
  type LstatFn,
  type PathStat,
  type PhysicalPathOptions,
} from './url/physical-path';
// lighttpd.conf language (parse, frozen tree, directive tables, -p) and the command line.
export * from './config';
export * from './cli';
export { main, defaultHooks, processIo } from './main';
