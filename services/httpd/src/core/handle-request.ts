// Request handling from URI to the response (lighttpd 1.4.69 response.c http_response_handler /
// http_response_prepare): URI clean, docroot, physical path, stat, directory redirect, the plugin
// hooks of each step, the handler module, error pages and error handlers (http_response_errdoc_init
// / error-handler re-dispatch) and Range on a finished 200 response (http_range.c). Hooks are
// synchronous; a step that needs I/O leaves a promise in `req.pending` and the state machine runs
// the request again once it settled, resuming at `req.stage`.
import { HandlerResult } from '@libs/plugins';
import { isHttpError } from '../http/errors';
import { parseRequestPath } from '../url/request-path';
import { resolvePhysicalPath, urlPathToFs } from '../url/physical-path';
import { FilePart, type Chunk } from './chunk-queue';
import { defaultErrorPage, readErrorFile } from './error-page';
import { MULTIPART_END, MULTIPART_TYPE, multipartPartHeader, parseRanges } from './range';
import type { HttpRequest } from './request';
import type { StatEntry } from './stat-cache';

/** The methods static content answers; OPTIONS lists them (lighttpd's Allow for static files). */
const ALLOW = 'OPTIONS, GET, HEAD, POST';

const URI = 0;
const PHYSICAL = 1;
const STAT = 2;
const HANDLER = 3;
const FINISH = 4;
const ERRORDOC = 5;
const DONE = 6;

/** The wire key of built-in error pages (their headers depend on the core config only). */
const BUILTIN_ERRORDOC = Object.freeze({});

/** Request targets already decoded and simplified (a pure function of the target), and the
 *  physical path of each URL path under the docroot it was mapped with: the same strings are reused,
 *  so the stat cache's lookups hash them once. Emptied when full. */
const TARGET_CACHE_LIMIT = 4096;
const targets = new Map<string, { readonly path: string; readonly query: string }>();
const physicals = new Map<string, { readonly root: string; readonly physical: string }>();

function physicalPathOf(root: string, url: string): string {
  const known = physicals.get(url);
  if (known !== undefined && known.root === root) return known.physical;
  const physical = (root === '/' ? '' : root) + urlPathToFs(url);
  if (physicals.size >= TARGET_CACHE_LIMIT) physicals.clear();
  physicals.set(url, { root, physical });
  return physical;
}

/** Sets url/queryString from the request target; false (and status 400) when it is refused. */
export function applyRequestTarget(req: HttpRequest, target: string): boolean {
  if (req.head.method === 'CONNECT' && target === req.head.uri) {
    // lighttpd (request.c http_request_parse_target): CONNECT's target is the path as it is
    req.url = target;
    req.queryString = '';
    return true;
  }
  const known = targets.get(target);
  if (known !== undefined) {
    req.url = known.path;
    req.queryString = known.query;
    return true;
  }
  try {
    const p = parseRequestPath(target);
    req.url = p.path;
    req.queryString = p.query;
    if (targets.size >= TARGET_CACHE_LIMIT) targets.clear();
    targets.set(target, { path: p.path, query: p.query });
    return true;
  } catch (e) {
    if (!isHttpError(e)) throw e;
    req.status = e.status;
    return false;
  }
}

const URI_SAFE = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/!$&'()*+,;=:@") URI_SAFE[c.charCodeAt(0)] = 1;

/** Re-encodes a decoded path (latin1 bytes) for a Location header. */
export function encodeUrlPath(path: string): string {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    out += URI_SAFE[c] === 1 ? path[i] : '%' + (c < 16 ? '0' : '') + c.toString(16).toUpperCase();
  }
  return out;
}

/** lighttpd's path-info: the longest leading part of a missing path that is a regular file. */
async function findPathInfo(req: HttpRequest): Promise<StatEntry | null> {
  let p = req.physicalPath;
  const min = req.docRoot.length;
  for (let slash = p.lastIndexOf('/'); slash > min; slash = p.lastIndexOf('/')) {
    p = p.slice(0, slash);
    const cache = req.env.statCache;
    const e = cache.get(p) ?? (await cache.stat(p));
    if (e.stats !== null) {
      if (!e.stats.isFile()) return null;
      req.pathInfo = req.physicalPath.slice(p.length);
      req.physicalPath = p;
      // lighttpd (response.c) shortens uri.path by the path-info too: SCRIPT_NAME is the file's URL
      if (req.url.length >= req.pathInfo.length) req.url = req.url.slice(0, req.url.length - req.pathInfo.length);
      return e;
    }
  }
  return null;
}

/** A hook's result: true to go on with the next step; false when the step ends the request or waits. */
function hookGoesOn(req: HttpRequest, r: HandlerResult): boolean {
  switch (r) {
    case HandlerResult.GoOn:
      return true;
    case HandlerResult.Finished:
      if (req.status === 0) req.status = 200;
      req.stage = FINISH;
      return false;
    case HandlerResult.Comeback:
      // a module rewrote the URL: run the request again from the start with fresh conditions
      req.conditions().reset();
      req.stage = URI;
      return false;
    case HandlerResult.WaitForEvent:
      if (req.pending === null) {
        req.status = 500;
        req.stage = FINISH;
      }
      return false;
    default:
      req.status = 500;
      req.stage = FINISH;
      return false;
  }
}

/** URI clean and docroot hooks, then the physical path (lighttpd http_response_prepare up to stat). */
function stepUri(req: HttpRequest): void {
  const method = req.head.method;
  req.stage = FINISH;
  if (req.url === '*') {
    // OPTIONS * (only method allowed with "*", the parser made sure)
    req.status = 200;
    req.responseHeaders.push('Allow', ALLOW);
    return;
  }
  const env = req.env;
  // the uri_clean slot also runs each module's handleUriRaw just before its handleUriClean (plugin.c)
  if (!hookGoesOn(req, env.callRequest('handleUriClean', req))) return;
  if (method === 'CONNECT') {
    // http_response_prepare_connect: a module that took CONNECT (mod_proxy with "connect" =>
    // "enable") tunnels it, with no document root or file; without one it is 405 and the connection closes
    if (req.handler !== null) req.stage = HANDLER;
    else {
      req.status = 405;
      req.forceClose = true;
    }
    return;
  }
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST' && req.handler === null) {
    if (method === 'OPTIONS') {
      req.status = 200;
      req.responseHeaders.push('Allow', ALLOW);
    } else {
      req.status = 501;
    }
    return;
  }
  req.stage = FINISH;
  if (!hookGoesOn(req, env.callRequest('handleDocroot', req))) return;
  const conf = req.conf;
  const docroot = conf['server.document-root'];
  const root = docroot.length > 1 && docroot.endsWith('/') ? docroot.slice(0, -1) : docroot;
  if (root === '') {
    req.status = 404;
    return;
  }
  req.docRoot = root;
  req.stage = PHYSICAL;
  if (conf['server.follow-symlink']) {
    req.physicalPath = physicalPathOf(root, req.url);
    return;
  }
  req.wait(
    resolvePhysicalPath(root, req.url, { followSymlink: false, lstat: env.statCache.lstat }).then(
      (p) => {
        req.physicalPath = p;
      },
      (e: unknown) => {
        if (!isHttpError(e)) throw e;
        req.status = e.status;
        req.stage = FINISH;
      },
    ),
  );
}

/** The physical path is known: handlePhysical, then stat (cached, or waited for). */
function stepStat(req: HttpRequest): boolean {
  let entry = req.fileStat;
  if (entry === null) {
    const cache = req.env.statCache;
    entry = cache.get(req.physicalPath) ?? null;
    if (entry === null) {
      req.wait(
        cache.stat(req.physicalPath).then((e) => {
          req.fileStat = e;
        }),
      );
      return false;
    }
    req.fileStat = entry;
  }
  if (entry.stats === null) {
    if (entry.errno === 'ENOTDIR' && req.pathInfo === '') {
      req.wait(
        findPathInfo(req).then((found) => {
          if (found !== null) {
            req.fileStat = found;
            return;
          }
          req.status = 404;
          req.stage = FINISH;
        }),
      );
      return false;
    }
    req.status = entry.errno === 'EACCES' ? 403 : 404;
    req.stage = FINISH;
    return true;
  }
  if (entry.stats.isDirectory() && !req.url.endsWith('/')) {
    req.status = 301;
    req.responseHeaders.push('Location', encodeUrlPath(req.url) + '/' + (req.queryString !== '' ? '?' + req.queryString : ''));
    req.stage = FINISH;
    return true;
  }
  req.stage = HANDLER;
  return true;
}

/**
 * handleSubrequestStart (until a module answers or takes the request), then the handler's
 * handleSubrequest. false: wait (for `req.pending`, or for body input / output room).
 */
function stepHandler(req: HttpRequest): boolean {
  const env = req.env;
  for (;;) {
    const handler = req.handler;
    const r = handler !== null ? env.subrequest(req) : env.callRequest('handleSubrequestStart', req);
    if (r === HandlerResult.GoOn) {
      // a module made itself the handler: run its handleSubrequest; else nobody answered
      if (handler === null && req.handler !== null) continue;
      if (req.status === 0) req.status = 403;
      req.stage = FINISH;
      return true;
    }
    if (r === HandlerResult.WaitForEvent) {
      // waiting for I/O it started, or (a handler only) for the request body or room to write
      if (req.pending !== null || req.handler !== null) return false;
    }
    // Finished, Error, Comeback: go on at the stage hookGoesOn chose
    if (!hookGoesOn(req, r)) return req.pending === null;
  }
}

/** Range, then error handlers (re-dispatch to their URL once) or the error document. */
function stepFinish(req: HttpRequest): void {
  if (req.inErrorHandler) {
    req.inErrorHandler = false;
    const original = req.errorHandlerStatus;
    if (req.status < 400) {
      // a static target of server.error-handler keeps the original status (error-handler-404: upstream answers 200)
      if (!req.errorHandler404 && req.status === 200) req.status = original;
      req.stage = DONE;
      return;
    }
    req.status = original;
    req.stage = ERRORDOC;
    return;
  }
  applyRange(req);
  if (req.status < 400 || req.bodyLength !== 0) {
    req.stage = DONE;
    return;
  }
  req.savedContentRange = req.responseHeader('Content-Range');
  req.stage = ERRORDOC;
  if (req.errorHandlerStatus !== 0) return;
  const conf = req.conf;
  const status = req.status;
  const h404 = conf['server.error-handler-404'];
  const use404 = (status === 404 || status === 403) && h404 !== '';
  const handler = use404 ? h404 : conf['server.error-handler'];
  if (handler === '') return;
  req.errorHandlerStatus = status;
  req.errorHandler404 = use404;
  req.inErrorHandler = true;
  req.resetResponse();
  req.status = 0;
  req.fileStat = null;
  req.pathInfo = '';
  req.handler = null;
  req.stage = applyRequestTarget(req, handler) ? URI : FINISH;
}

function stepErrorDoc(req: HttpRequest): void {
  const status = req.status;
  req.resetResponse();
  if (req.savedContentRange !== undefined) req.responseHeaders.push('Content-Range', req.savedContentRange);
  req.responseHeaders.push('Content-Type', 'text/html');
  req.stage = DONE;
  const prefix = req.conf['server.errorfile-prefix'];
  if (prefix === '') {
    req.appendBody(defaultErrorPage(status));
    if (req.savedContentRange === undefined) req.wireKey = BUILTIN_ERRORDOC;
    return;
  }
  req.wait(
    readErrorFile(prefix, status).then((page) => {
      req.appendBody(page ?? defaultErrorPage(status));
    }),
  );
}

/**
 * Runs a request whose url/queryString/conf are set (status 0) or that already failed (status
 * set) as far as it can (lighttpd http_response_handler). true: the response head is ready (the
 * body is complete, or a handler streams it: `respBodyStarted`); false: wait for `req.pending`, or
 * for an event the handler waits for, then call again.
 */
export function runRequest(req: HttpRequest): boolean {
  if (req.pending !== null) req.pending = null;
  else if (req.stage === URI && req.status !== 0) req.stage = FINISH;
  for (;;) {
    switch (req.stage) {
      case URI:
        stepUri(req);
        if (req.pending !== null) return false;
        break;
      case PHYSICAL:
        if (req.conf['server.force-lowercase-filenames']) req.physicalPath = req.physicalPath.toLowerCase();
        // a module that took the request earlier (uri_clean) skips the stat and subrequest_start (response.c)
        req.stage = req.handler !== null ? HANDLER : STAT;
        if (!hookGoesOn(req, req.env.callRequest('handlePhysical', req))) {
          if (req.pending !== null) return false;
        }
        break;
      case STAT:
        if (!stepStat(req)) return false;
        break;
      case HANDLER:
        // a streaming handler's head may go while it waits (the write state waits for its I/O then)
        if (!stepHandler(req)) return req.respBodyStarted && req.status !== 0;
        break;
      case FINISH:
        stepFinish(req);
        break;
      case ERRORDOC:
        stepErrorDoc(req);
        if (req.pending !== null) return false;
        break;
      default:
        req.respBody.end();
        return true;
    }
  }
}

/**
 * A streamed response the engine buffered to its end (server.stream-response-body = 0) is finished
 * before its head, so Range applies as to any finished 200 (lighttpd http_response_write_prepare:
 * Accept-Ranges, 206, and a 416 with its error page). false: wait for `req.pending` (an error file).
 */
export function finishBuffered(req: HttpRequest): boolean {
  if (req.stage !== DONE) return true;
  const status = req.status;
  applyRange(req);
  if (req.status === status || req.status < 400) {
    req.respBody.end();
    return true;
  }
  req.savedContentRange = req.responseHeader('Content-Range');
  req.stage = ERRORDOC;
  return runRequest(req);
}

/** The request's response is being streamed: true while the handler still produces its body. */
export function isStreaming(req: HttpRequest): boolean {
  return req.stage === HANDLER;
}

/**
 * WRITE, streaming: runs the handler again for more body (lighttpd calls handle_subrequest from the
 * write state). Its end (Finished) ends the body; an error ends the request (the head is gone).
 * false: the request failed and the connection must close.
 */
export function produceMore(req: HttpRequest): boolean {
  if (req.pending !== null) req.pending = null;
  const r = req.env.subrequest(req);
  switch (r) {
    case HandlerResult.WaitForEvent:
      return true;
    case HandlerResult.Finished:
    case HandlerResult.GoOn:
      req.stage = DONE;
      req.respBody.end();
      return true;
    default:
      return false;
  }
}

/** The bytes [start, start+length) of a body made of parts. */
export function sliceParts(parts: readonly Chunk[], start: number, length: number): Chunk[] {
  const out: Chunk[] = [];
  let off = 0;
  let want = length;
  for (const p of parts) {
    if (want === 0) break;
    const plen = p.length;
    if (start >= off + plen) {
      off += plen;
      continue;
    }
    const from = start > off ? start - off : 0;
    const n = Math.min(plen - from, want);
    out.push(p instanceof FilePart ? new FilePart(p.path, p.start + from, n, p.guard, p.fd) : p.subarray(from, from + n));
    want -= n;
    off += plen;
    start = off;
  }
  return out;
}

/** Range on a complete 200 response to GET (HTTP/1.1 only, as upstream by default). */
function applyRange(req: HttpRequest): void {
  const method = req.head.method;
  // an empty 200 too (http_range_rfc7233 has no length check): Accept-Ranges, and 416 for any range
  if (req.status !== 200 || (method !== 'GET' && method !== 'HEAD')) return;
  if (req.head.httpVersion !== 11 || !req.conf['server.range-requests']) return;
  req.responseHeaders.push('Accept-Ranges', 'bytes');
  if (method === 'HEAD') return;
  const range = req.header('range');
  if (range === undefined) return;
  const ifRange = req.header('if-range');
  if (ifRange !== undefined) {
    const cmp = req.responseHeader(ifRange.startsWith('"') ? 'ETag' : 'Last-Modified');
    if (cmp === undefined || cmp !== ifRange) return;
  }
  if (range.length < 6 || range.slice(0, 6).toLowerCase() !== 'bytes=') return;
  const total = req.bodyLength;
  const r = parseRanges(range.slice(6), total);
  if (r.length === 0) {
    req.respBody.reset();
    req.status = 416;
    req.responseHeaders.push('Content-Range', `bytes */${total}`);
    return;
  }
  const parts = req.respBody.takeAll();
  req.respBody.reset();
  req.status = 206;
  if (r.length === 2) {
    const b = r[0] as number;
    const e = r[1] as number;
    req.responseHeaders.push('Content-Range', `bytes ${b}-${e}/${total}`);
    for (const p of sliceParts(parts, b, e - b + 1)) req.appendBody(p);
    return;
  }
  const type = req.responseHeader('Content-Type') ?? '';
  req.setHeader('Content-Type', MULTIPART_TYPE);
  for (let i = 0; i < r.length; i += 2) {
    const b = r[i] as number;
    const e = r[i + 1] as number;
    req.appendBody(Buffer.from(multipartPartHeader(i === 0, type, b, e, total), 'latin1'));
    for (const p of sliceParts(parts, b, e - b + 1)) req.appendBody(p);
  }
  req.appendBody(Buffer.from(MULTIPART_END, 'latin1'));
}
