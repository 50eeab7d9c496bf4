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
// Serving: the serve hook, the server, connections, request handling and the static modules.
export { serve } from './server/serve';
export { HttpServer, BUILTIN_MODULES, type HttpServerOptions } from './server/http-server';
export { ServeError, serveErrors, type ServeErrorCode } from './server/errors';
export { listenSpecs, parseSocketSpec, type ListenSpec } from './server/listen-specs';
export {
  ConfigSnapshots,
  defaultConditionEvaluator,
  type ConditionEvaluator,
  type ConditionInput,
} from './server/config-snapshots';
export { buildRequestConfig, DEFAULT_SERVER_TAG, type RequestConfig, type DirListingConfig } from './server/request-config';
export { HttpConnection, type ConnectionOwner, type ConnectionStateName } from './connection/connection';
export { Request, FilePart, type BodyPart } from './connection/request';
export { handleRequest, applyRequestTarget, sliceParts, encodeUrlPath, type RequestHandlerContext } from './connection/response';
export { defaultErrorPage } from './connection/error-page';
export { HandlerResult, type RequestModule, type ModuleServices } from './modules/request-module';
export { modIndexfile } from './modules/mod-indexfile';
export { modDirlisting, renderListing } from './modules/mod-dirlisting';
export { modStaticfile, cachableStatus } from './modules/mod-staticfile';
export { createMimeTable, DEFAULT_MIMETYPE, type MimeTable } from './modules/mimetype';
export { createEtag, etagMatches, ETAG_USE_INODE, ETAG_USE_MTIME, ETAG_USE_SIZE } from './modules/etag';
export { parseRanges, MULTIPART_BOUNDARY } from './modules/range';
export { StatCache, SMALL_FILE_LIMIT, type StatCacheEngine, type StatEntry } from './modules/stat-cache';
