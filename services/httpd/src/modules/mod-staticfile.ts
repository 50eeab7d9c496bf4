// mod_staticfile (lighttpd 1.4.69 src/mod_staticfile.c) as a plugin, with the static-file part of
// http-header-glue.c: Content-Type from mimetype.assign, ETag, Last-Modified, conditional requests
// (http_response_handle_cachable) and the body, from memory for small files, else streamed from disk.
import type { Stats } from 'node:fs';
import { HandlerResult, type DirectiveSpec, type ModuleConfig } from '@libs/plugins';
import { FilePart } from '../core/chunk-queue';
import type { Request } from '../core/request';
import { ETAG_USE_INODE, ETAG_USE_MTIME, ETAG_USE_SIZE, etagMatches } from '../core/etag';
import type { HttpPlugin } from '../core/plugin';
import { SMALL_FILE_LIMIT, type StatEntry } from '../core/stat-cache';

export const STATICFILE_SPECS: readonly DirectiveSpec[] = Object.freeze([
  { key: 'static-file.exclude-extensions', type: 'array-string', scope: 'connection', default: Object.freeze([]) },
  { key: 'static-file.etags', type: 'boolean', scope: 'connection', default: true },
  { key: 'static-file.disable-pathinfo', type: 'boolean', scope: 'connection', default: false },
]);

/** STATICFILE_SPECS as request code reads them (every key has a default). */
interface StaticfileConfig {
  readonly 'static-file.exclude-extensions': readonly string[];
  readonly 'static-file.etags': boolean;
  readonly 'static-file.disable-pathinfo': boolean;
}

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

const isConditional = (req: Request): boolean => req.header('if-none-match') !== undefined || req.header('if-modified-since') !== undefined;

/** 200 with the body from memory (small files) or from disk. */
function serve(req: Request, entry: StatEntry, conf: object, small: boolean, method: string): HandlerResult {
  req.status = 200;
  const size = (entry.stats as { size: number }).size;
  if (small && entry.content !== null) {
    req.appendBody(entry.content);
    // range requests depend on request headers: never reused
    if (method === 'GET' && req.header('range') === undefined) req.wireKey = conf;
  } else if (size > 0) req.appendBody(new FilePart(req.physicalPath, 0, size, entry.noFollow ? (entry.stats as Stats) : null));
  return HandlerResult.Finished;
}

/** The ETAG_USE_* bits of this request (0 when static-file.etags is disabled). */
function etagFlags(req: Request, etags: boolean): number {
  if (!etags) return 0;
  const c = req.conf;
  return (c['etag.use-inode'] ? ETAG_USE_INODE : 0) | (c['etag.use-mtime'] ? ETAG_USE_MTIME : 0) | (c['etag.use-size'] ? ETAG_USE_SIZE : 0);
}

export function createModStaticfile(): HttpPlugin {
  let mc: ModuleConfig<StaticfileConfig> | null = null;
  return {
    name: 'mod_staticfile',
    directives: STATICFILE_SPECS,
    setDefaults(ctx) {
      mc = ctx.config.typed<StaticfileConfig>();
      return HandlerResult.GoOn;
    },
    handleSubrequestStart(req: Request): HandlerResult {
      // a module before us took the request (mod_fastcgi): lighttpd's mod_staticfile.c leaves it alone
      if (req.handler !== null) return HandlerResult.GoOn;
      const method = req.head.method;
      if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return HandlerResult.GoOn;
      const entry = req.fileStat;
      const st = entry?.stats;
      if (entry === null || st === undefined || st === null || !st.isFile() || mc === null) return HandlerResult.GoOn;
      const conf = req.config(mc);
      if (req.pathInfo !== '' && conf['static-file.disable-pathinfo']) return HandlerResult.GoOn;
      const exclude = conf['static-file.exclude-extensions'];
      const physical = req.physicalPath;
      for (let i = 0; i < exclude.length; i++) {
        // not served by us: without another handler the request ends in 403
        if (physical.endsWith(exclude[i] as string)) return HandlerResult.GoOn;
      }
      const cache = req.env.statCache;
      if (!entry.noFollow && !req.conf['server.follow-symlink']) {
        // serve only what an O_NOFOLLOW open finds at this path now; a symlink in the way: 403
        req.wait(
          cache.openNoFollow(physical).then((e) => {
            req.fileStat = e;
            if (e === null) req.status = 403;
          }),
        );
        return HandlerResult.WaitForEvent;
      }
      const size = st.size;
      const small = size > 0 && size <= SMALL_FILE_LIMIT && method !== 'HEAD';
      if (small && entry.content === null && !entry.contentFailed) {
        req.wait(cache.loadContent(entry));
        return HandlerResult.WaitForEvent;
      }
      const h = req.responseHeaders;
      const known = entry.headers;
      if (known !== null && known.key === conf && known.conf === req.conf && !isConditional(req)) {
        // the headers this entry got under the same config objects: no lookups
        for (let i = 0; i < known.list.length; i++) h.push(known.list[i] as string);
        return serve(req, entry, conf, small, method);
      }
      h.push('Content-Type', req.conf['mimetype.assign'].lookup(physical));
      const flags = etagFlags(req, conf['static-file.etags']);
      const etag = flags === 0 ? '' : cache.etagOf(entry, flags);
      if (etag !== '') h.push('ETag', etag);
      const lastModified = cache.lastModifiedOf(entry);
      h.push('Last-Modified', lastModified);
      const cond = cachableStatus(req, etag, lastModified, Math.floor(st.mtimeMs / 1000));
      if (cond !== 0) {
        req.status = cond;
        return HandlerResult.Finished;
      }
      entry.headers = { key: conf, conf: req.conf, list: h.slice() };
      return serve(req, entry, conf, small, method);
    },
  };
}
