// Request handling from URI to finished response, lighttpd 1.4.69 response.c
// (http_response_prepare: URI clean, docroot, physical path, stat, directory redirect, subrequest
// handlers), error pages and error handlers (http_response_errdoc_init / error-handler re-dispatch)
// and Range applied to a finished 200 response (http_range.c http_range_rfc7233).
import { isHttpError } from '../http/errors';
import { parseRequestPath } from '../url/request-path';
import { resolvePhysicalPath, urlPathToFs } from '../url/physical-path';
import { HandlerResult, type ModuleServices, type RequestModule } from '../modules/request-module';
import { MULTIPART_END, MULTIPART_TYPE, multipartPartHeader, parseRanges } from '../modules/range';
import type { StatEntry } from '../modules/stat-cache';
import type { ConfigSnapshots } from '../server/config-snapshots';
import { defaultErrorPage, readErrorFile } from './error-page';
import { FilePart, type BodyPart, type Request } from './request';

export interface RequestHandlerContext {
  readonly snapshots: ConfigSnapshots;
  readonly modules: readonly RequestModule[];
  readonly services: ModuleServices;
}

/** The methods static content answers; OPTIONS lists them (lighttpd's Allow for static files). */
const ALLOW = 'OPTIONS, GET, HEAD, POST';

/** Sets url/queryString from the request target; false (and status 400) when it is refused. */
export function applyRequestTarget(req: Request, target: string): boolean {
  try {
    const p = parseRequestPath(target);
    req.url = p.path;
    req.queryString = p.query;
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

async function statPath(ctx: RequestHandlerContext, p: string): Promise<StatEntry> {
  return ctx.services.statCache.get(p) ?? ctx.services.statCache.stat(p);
}

/** lighttpd's path-info: the longest leading part of a missing path that is a regular file. */
async function findPathInfo(ctx: RequestHandlerContext, req: Request): Promise<StatEntry | null> {
  let p = req.physicalPath;
  const min = req.docRoot.length;
  for (let slash = p.lastIndexOf('/'); slash > min; slash = p.lastIndexOf('/')) {
    p = p.slice(0, slash);
    const e = await statPath(ctx, p);
    if (e.stats !== null) {
      if (!e.stats.isFile()) return null;
      req.pathInfo = req.physicalPath.slice(p.length);
      req.physicalPath = p;
      return e;
    }
  }
  return null;
}

/** Maps req.url to a file and runs the subrequest handlers; sets req.status. */
async function dispatch(ctx: RequestHandlerContext, req: Request): Promise<void> {
  const method = req.head.method;
  if (req.url === '*') {
    // OPTIONS * (only method allowed with "*", the parser made sure)
    req.status = 200;
    req.responseHeaders.push('Allow', ALLOW);
    return;
  }
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    if (method === 'OPTIONS') {
      req.status = 200;
      req.responseHeaders.push('Allow', ALLOW);
    } else {
      req.status = 501;
    }
    return;
  }
  const conf = req.config;
  const root = conf.documentRoot.length > 1 && conf.documentRoot.endsWith('/') ? conf.documentRoot.slice(0, -1) : conf.documentRoot;
  if (root === '') {
    req.status = 404;
    return;
  }
  req.docRoot = root;
  let physical: string;
  if (conf.followSymlink) {
    physical = (root === '/' ? '' : root) + urlPathToFs(req.url);
  } else {
    try {
      physical = await resolvePhysicalPath(root, req.url, { followSymlink: false, lstat: ctx.services.statCache.lstat });
    } catch (e) {
      if (!isHttpError(e)) throw e;
      req.status = e.status;
      return;
    }
  }
  if (conf.forceLowercaseFilenames) physical = physical.toLowerCase();
  req.physicalPath = physical;
  let entry = await statPath(ctx, physical);
  if (entry.stats === null) {
    const found = entry.errno === 'ENOTDIR' ? await findPathInfo(ctx, req) : null;
    if (found === null) {
      req.status = entry.errno === 'EACCES' ? 403 : 404;
      return;
    }
    entry = found;
  }
  if (entry.stats !== null && entry.stats.isDirectory() && !req.url.endsWith('/')) {
    req.status = 301;
    req.responseHeaders.push('Location', encodeUrlPath(req.url) + '/' + (req.queryString !== '' ? '?' + req.queryString : ''));
    return;
  }
  req.fileStat = entry;
  for (const mod of ctx.modules) {
    const r = await mod.handleSubrequestStart(req, ctx.services);
    if (r === HandlerResult.GoOn) continue;
    if (r === HandlerResult.Error) req.status = 500;
    break;
  }
  // nobody answered: a directory without index/listing, an excluded extension
  if (req.status === 0) req.status = 403;
}

/** Error handlers (re-dispatch to their URL once), then errorfile-prefix, then the built-in page. */
async function errorResponse(ctx: RequestHandlerContext, req: Request): Promise<void> {
  const status = req.status;
  const conf = req.config;
  const contentRange = req.responseHeader('Content-Range');
  if (req.errorHandlerStatus === 0) {
    const handler =
      (status === 404 || status === 403) && conf.errorHandler404 !== '' ? conf.errorHandler404 : conf.errorHandler;
    if (handler !== '') {
      req.errorHandlerStatus = status;
      req.resetResponse();
      req.status = 0;
      req.fileStat = null;
      req.pathInfo = '';
      if (applyRequestTarget(req, handler)) await dispatch(ctx, req);
      if (req.status < 400) {
        // a static target of server.error-handler keeps the original status (error-handler-404: upstream answers 200)
        if (handler !== conf.errorHandler404 && req.status === 200) req.status = status;
        return;
      }
      req.status = status;
    }
  }
  req.resetResponse();
  if (contentRange !== undefined) req.responseHeaders.push('Content-Range', contentRange);
  req.responseHeaders.push('Content-Type', 'text/html');
  const page = conf.errorfilePrefix !== '' ? await readErrorFile(conf.errorfilePrefix, status) : null;
  req.appendBody(page ?? defaultErrorPage(status));
}

/** The bytes [start, start+length) of a body made of parts. */
export function sliceParts(parts: readonly BodyPart[], start: number, length: number): BodyPart[] {
  const out: BodyPart[] = [];
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
    out.push(p instanceof FilePart ? new FilePart(p.path, p.start + from, n) : p.subarray(from, from + n));
    want -= n;
    off += plen;
    start = off;
  }
  return out;
}

/** Range on a complete 200 response to GET (HTTP/1.1 only, as upstream by default). */
function applyRange(req: Request): void {
  const method = req.head.method;
  if (req.status !== 200 || req.bodyLength === 0 || (method !== 'GET' && method !== 'HEAD')) return;
  if (req.head.httpVersion !== 11 || !req.config.rangeRequests) return;
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
    req.body.length = 0;
    req.bodyLength = 0;
    req.status = 416;
    req.responseHeaders.push('Content-Range', `bytes */${total}`);
    return;
  }
  const parts = req.body.slice();
  req.body.length = 0;
  req.bodyLength = 0;
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

/** Runs a request whose url/queryString/config are set (status 0) or already failed (status set). */
export async function handleRequest(ctx: RequestHandlerContext, req: Request): Promise<void> {
  if (req.status === 0) await dispatch(ctx, req);
  applyRange(req);
  if (req.status >= 400 && req.bodyLength === 0) await errorResponse(ctx, req);
}
