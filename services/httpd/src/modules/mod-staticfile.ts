// mod_staticfile (lighttpd 1.4.69 src/mod_staticfile.c) with the static-file part of
// http-header-glue.c: Content-Type from mimetype.assign, ETag, Last-Modified, conditional requests
// (http_response_handle_cachable) and the body, from memory for small files, else streamed from disk.
import type { Request } from '../connection/request';
import { FilePart } from '../connection/request';
import { etagMatches } from './etag';
import { SMALL_FILE_LIMIT } from './stat-cache';
import { HandlerResult, type ModuleServices, type RequestModule } from './request-module';

/** If-None-Match / If-Modified-Since: 304 (412 for a matching If-None-Match on POST), or 0 to go on. */
export function cachableStatus(req: Request, etag: string, lastModified: string, mtimeSec: number): number {
  const inm = req.header('if-none-match');
  const getOrHead = req.head.method === 'GET' || req.head.method === 'HEAD';
  if (inm !== undefined) {
    if (!etagMatches(inm, etag)) return 0;
    return getOrHead ? 304 : 412;
  }
  if (!getOrHead) return 0;
  const ims = req.header('if-modified-since');
  if (ims === undefined) return 0;
  if (ims === lastModified) return 304;
  const t = Date.parse(ims);
  if (Number.isNaN(t)) return 0;
  return mtimeSec <= Math.floor(t / 1000) ? 304 : 0;
}

export const modStaticfile: RequestModule = {
  name: 'mod_staticfile',
  async handleSubrequestStart(req: Request, services: ModuleServices): Promise<HandlerResult> {
    const method = req.head.method;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return HandlerResult.GoOn;
    const entry = req.fileStat;
    const st = entry?.stats;
    if (entry === null || st === undefined || st === null || !st.isFile()) return HandlerResult.GoOn;
    const conf = req.config;
    if (req.pathInfo !== '' && conf.disablePathinfo) return HandlerResult.GoOn;
    const exclude = conf.excludeExtensions;
    for (let i = 0; i < exclude.length; i++) {
      // not served by us: without another handler the request ends in 403
      if (req.physicalPath.endsWith(exclude[i] as string)) return HandlerResult.GoOn;
    }
    const cache = services.statCache;
    const h = req.responseHeaders;
    h.push('Content-Type', conf.mimetypes.lookup(req.physicalPath));
    const etag = conf.etagFlags === 0 ? '' : cache.etagOf(entry, conf.etagFlags);
    if (etag !== '') h.push('ETag', etag);
    const lastModified = cache.lastModifiedOf(entry);
    h.push('Last-Modified', lastModified);
    const cond = cachableStatus(req, etag, lastModified, Math.floor(st.mtimeMs / 1000));
    if (cond !== 0) {
      req.status = cond;
      return HandlerResult.Finished;
    }
    req.status = 200;
    const size = st.size;
    if (size > 0 && size <= SMALL_FILE_LIMIT && method !== 'HEAD') {
      const content = entry.content ?? (await cache.loadContent(entry));
      if (content !== null) {
        req.appendBody(content);
        return HandlerResult.Finished;
      }
    }
    if (size > 0) req.appendBody(new FilePart(req.physicalPath, 0, size));
    return HandlerResult.Finished;
  },
};
