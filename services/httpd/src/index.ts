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
export { CORE_REQUEST_DIRECTIVES, DEFAULT_SERVER_TAG, coreConfig, type CoreConfig } from './core/core-config';
export { BUILTIN_MODULES, loadHttpPlugins, loadModulesForTest } from './server/plugins';
export { H1Connection, FILE_CHUNK, type ConnectionOwner } from './connection/h1-connection';
// The request engine (core): the request, its states and body queues, the plugin contract.
export { HttpRequest, RESPONSE_LOW_WATER, type Request } from './core/request';
export { RequestState, requestStateName } from './core/request-state';
export { runStateMachine, WriteResult, type ResponseSink } from './core/state-machine';
export { ChunkQueue, FilePart, type Chunk } from './core/chunk-queue';
export { TempSpill, SPILL_THRESHOLD } from './core/temp-spill';
export type { RequestEnv } from './core/request-env';
export { runRequest, applyRequestTarget, sliceParts, encodeUrlPath } from './core/handle-request';
export { defaultErrorPage } from './core/error-page';
export type { HttpPlugin, HttpPluginFactory, ConnectionView, ServerView } from './core/plugin';
export { createModIndexfile, INDEXFILE_SPECS } from './modules/mod-indexfile';
export { createModDirlisting, renderListing, dirListingConfig, DIRLISTING_SPECS, type DirListingConfig } from './modules/mod-dirlisting';
export { createModStaticfile, cachableStatus, STATICFILE_SPECS } from './modules/mod-staticfile';
export { createMimeTable, DEFAULT_MIMETYPE, type MimeTable } from './core/mimetype';
export { createEtag, etagMatches, ETAG_USE_INODE, ETAG_USE_MTIME, ETAG_USE_SIZE } from './core/etag';
export { parseRanges, MULTIPART_BOUNDARY } from './core/range';
export { StatCache, SMALL_FILE_LIMIT, type StatCacheEngine, type StatEntry } from './core/stat-cache';
