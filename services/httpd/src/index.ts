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
export { HttpServer, type HttpServerOptions, type ListenOptions } from './server/http-server';
export { ServeError, serveErrors, type ServeErrorCode } from './server/errors';
export { listenSpecs } from './server/listen-specs';
export { httpConditionEvaluator, isSocketCondition } from './server/conditions';
export { CORE_REQUEST_DIRECTIVES, DEFAULT_SERVER_TAG, coreConfig, type CoreConfig } from './server/core-config';
export { BUILTIN_MODULES, loadHttpPlugins, loadModulesForTest } from './server/plugins';
export { HttpConnection } from './connection/connection';
export { Request, FilePart, type BodyPart } from './connection/request';
export { runRequest, applyRequestTarget, sliceParts, encodeUrlPath } from './connection/response';
export { defaultErrorPage } from './connection/error-page';
export type { HttpPlugin, HttpPluginFactory } from './modules/http-plugin';
export { createModIndexfile, INDEXFILE_SPECS } from './modules/mod-indexfile';
export { createModDirlisting, renderListing, dirListingConfig, DIRLISTING_SPECS, type DirListingConfig } from './modules/mod-dirlisting';
export { createModStaticfile, cachableStatus, STATICFILE_SPECS } from './modules/mod-staticfile';
export { createMimeTable, DEFAULT_MIMETYPE, type MimeTable } from './modules/mimetype';
export { createEtag, etagMatches, ETAG_USE_INODE, ETAG_USE_MTIME, ETAG_USE_SIZE } from './modules/etag';
export { parseRanges, MULTIPART_BOUNDARY } from './modules/range';
export { StatCache, SMALL_FILE_LIMIT, type StatCacheEngine, type StatEntry } from './modules/stat-cache';
