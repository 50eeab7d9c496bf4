// X-Sendfile: a backend answers with the path of a file and httpd-ts sends the file, as lighttpd
// 1.4.69's http-header-glue.c does for a host with "x-sendfile" => "enable"
// (http_response_parse_headers -> http_response_xsendfile / http_response_xsendfile2 ->
// http_response_send_file). The file is opened the way mod_staticfile's are (core/opened-file.ts:
// O_NOFOLLOW and the /proc check with server.follow-symlink = "disable"), gets Content-Type,
// ETag and Last-Modified as a static file, 304/412 for conditional requests, and the engine's Range
// handling once the response is finished. x-sendfile-docroot limits the paths a backend may name.
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import { FilePart } from '../../core/chunk-queue';
import { createEtag, ETAG_USE_INODE, ETAG_USE_MTIME, ETAG_USE_SIZE } from '../../core/etag';
import type { CoreConfig } from '../../core/core-config';
import { DEFAULT_MIMETYPE } from '../../core/mimetype';
import { readOpened, type OpenedFile } from '../../core/opened-file';
import type { Request } from '../../core/request';
import { SMALL_FILE_LIMIT } from '../../core/stat-cache';
import { simplifyPath, urlDecodePath } from '../../url/request-path';
import { headerAt } from '../../http/header-list';
import { cachableStatus } from '../mod-staticfile';
import type { GatewayHost } from './gateway-config';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

/**
 * The path a backend named, as lighttpd prepares it: url-decoded, valid UTF-8 (else null),
 * simplified, lower-cased under server.force-lowercase-filenames. Values are latin1 strings of bytes.
 */
function preparePath(r: Request, value: string): string | null {
  const decoded = urlDecodePath(value, 'underscore');
  if (!isUtf8(Buffer.from(decoded, 'latin1'))) return null;
  // buffer_path_simplify; a relative path is opened relative to the working directory as upstream's
  const simple = decoded === '' ? '' : decoded.startsWith('/') ? simplifyPath(decoded) : decoded;
  return r.conf['server.force-lowercase-filenames'] ? simple.toLowerCase() : simple;
}

/** array_match_value_prefix(_nc): the path is below one of the x-sendfile-docroot directories. */
function underDocroot(r: Request, docroots: readonly string[], path: string): boolean {
  if (docroots.length === 0) return true;
  const lower = r.conf['server.force-lowercase-filenames'];
  const p = lower ? path.toLowerCase() : path;
  return docroots.some((d) => p.startsWith(lower ? d.toLowerCase() : d));
}

/** stat_cache_get_entry_open with r->conf.follow_symlink: the file opened, its stat from the descriptor. */
function openFile(r: Request, path: string): Promise<OpenedFile> {
  const flags = O_RDONLY | O_NONBLOCK | (r.conf['server.follow-symlink'] ? 0 : O_NOFOLLOW);
  return readOpened(path, { flags, maxContent: SMALL_FILE_LIMIT });
}

/**
 * http_response_send_file: a regular file as the response (200), or 304/412 for a conditional
 * request, or 404/403. Content-Type, ETag and Last-Modified the backend set are kept.
 */
async function sendFile(r: Request, path: string): Promise<void> {
  const f = await openFile(r, path);
  const st = f.stats;
  if (st === null) {
    // a symlink in the way (follow-symlink disabled) or the open failed: ENOENT is 404, the rest 403
    r.status = !f.symlink && f.errno === 'ENOENT' ? 404 : 403;
    if (f.errno !== 'EACCES') r.env.log.error(`not a regular file: ${r.url} -> ${path}`);
    return;
  }
  if (!st.isFile()) {
    r.status = 403;
    return;
  }
  const h = r.responseHeaders;
  // an implicit application/octet-stream gets no caching headers (lighttpd: against aggressive caching of misconfigured scripts)
  let implicitType = false;
  if (headerAt(h, 'content-type') === -1) {
    const type = r.conf['mimetype.assign'].lookup(path);
    implicitType = type === DEFAULT_MIMETYPE;
    h.push('Content-Type', type);
  }
  if (!implicitType && (r.status === 0 || r.status === 200)) {
    const c = r.conf;
    const flags = (c['etag.use-inode'] ? ETAG_USE_INODE : 0) | (c['etag.use-mtime'] ? ETAG_USE_MTIME : 0) | (c['etag.use-size'] ? ETAG_USE_SIZE : 0);
    if (headerAt(h, 'etag') === -1 && flags !== 0) h.push('ETag', createEtag(st, flags));
    const mtime = Math.floor(st.mtimeMs / 1000);
    if (headerAt(h, 'last-modified') === -1) h.push('Last-Modified', new Date(mtime * 1000).toUTCString());
    const etagAt = headerAt(h, 'etag');
    const lmodAt = headerAt(h, 'last-modified');
    const cond = cachableStatus(r, etagAt === -1 ? '' : (h[etagAt + 1] as string), lmodAt === -1 ? '' : (h[lmodAt + 1] as string), mtime);
    if (cond !== 0) {
      r.status = cond;
      return;
    }
  }
  r.status = 200;
  if (st.size === 0) return;
  if (f.content !== null) r.respBody.append(f.content);
  // with follow-symlink disabled the writer checks it still opens this same file
  else r.respBody.append(new FilePart(path, 0, st.size, r.conf['server.follow-symlink'] ? null : st));
}

/** http_response_xsendfile: the path checked against x-sendfile-docroot, then sent. */
async function xSendfile(r: Request, value: string, docroots: readonly string[]): Promise<void> {
  const path = preparePath(r, value);
  if (path === null) {
    r.env.log.error(`X-Sendfile invalid UTF-8 after url-decode: ${urlDecodePath(value, 'underscore')}`);
    if (r.status < 400) r.status = 502;
    return;
  }
  let valid = true;
  if (path === '') {
    r.status = 502;
    valid = false;
  }
  if (!underDocroot(r, docroots, path)) {
    r.env.log.error(`X-Sendfile (${path}) not under configured x-sendfile-docroot(s)`);
    r.status = 403;
    valid = false;
  }
  if (valid) await sendFile(r, path);
}

/**
 * http_response_xsendfile2 (FastCGI only, deprecated upstream): "path start-end, path start-end, ...",
 * the ranges of files in order as the body; no Content-Type or caching headers are added.
 */
async function xSendfile2(r: Request, value: string, docroots: readonly string[]): Promise<void> {
  let pos = 0;
  while (pos < value.length) {
    while (value[pos] === ' ') pos++;
    if (pos >= value.length) break;
    const filename = value.slice(pos);
    const space = value.indexOf(' ', pos);
    if (space === -1) {
      r.env.log.error(`Couldn't find range after filename: ${filename}`);
      r.status = 502;
      return;
    }
    const raw = value.slice(pos, space);
    let end = space + 1;
    while (end < value.length && value[end] !== ' ' && value[end] !== ',') end++;
    const range = value.slice(space + 1, end);
    pos = end;
    const path = preparePath(r, raw);
    if (path === null) {
      r.env.log.error(`X-Sendfile2 invalid UTF-8 after url-decode: ${urlDecodePath(raw, 'underscore')}`);
      r.status = 502;
      return;
    }
    if (path === '') {
      r.status = 502;
      return;
    }
    if (!underDocroot(r, docroots, path)) {
      r.env.log.error(`X-Sendfile2 (${path}) not under configured x-sendfile-docroot(s)`);
      r.status = 403;
      return;
    }
    const f = await openFile(r, path);
    if (f.stats === null) {
      r.env.log.error(`send-file error: couldn't get stat_cache entry for X-Sendfile2: ${path}`);
      r.status = 404;
      return;
    }
    if (!f.stats.isFile()) {
      r.env.log.error(`send-file error: wrong filetype for X-Sendfile2: ${path}`);
      r.status = 502;
      return;
    }
    // "start-" or "start-end", decimal, nothing else
    const m = /^(\d+)-(\d*)$/.exec(range);
    if (m === null) {
      r.env.log.error(`Couldn't decode range after filename: ${filename}`);
      r.status = 502;
      return;
    }
    const begin = Number(m[1]);
    const last = m[2] === '' ? f.stats.size - 1 : Number(m[2]);
    while (value[pos] === ' ') pos++;
    if (pos < value.length && value[pos] !== ',') {
      r.status = 502;
      return;
    }
    const length = last - begin + 1;
    if (length < 0) {
      r.status = 502;
      return;
    }
    if (length !== 0) r.respBody.append(new FilePart(path, begin, length, r.conf['server.follow-symlink'] ? null : f.stats));
    if (value[pos] === ',') pos++;
  }
}

/**
 * The X-Sendfile part of http_response_parse_headers, once a backend's head is in the response:
 * null when the host does not allow it or the head names no file (the response goes on as it is);
 * else the header is taken out, the body so far dropped (the caller closes the backend), and the
 * promise settles with the file as the response (status, headers, body) or an error status for
 * lighttpd's error page. X-Sendfile2 and X-LIGHTTPD-send-file are FastCGI's only (`fastcgi`).
 */
export function startXSendfile(r: Request, host: GatewayHost, fastcgi: boolean): Promise<void> | null {
  if (!host.xSendfile) return null;
  const h = r.responseHeaders;
  let at = fastcgi ? headerAt(h, 'x-sendfile2') : -1;
  const two = at !== -1;
  if (!two) at = headerAt(h, 'x-sendfile');
  if (at === -1 && fastcgi) at = headerAt(h, 'x-lighttpd-send-file');
  if (at === -1) return null;
  const value = h[at + 1] as string;
  h.splice(at, 2);
  // http_response_xsendfile: the backend's Content-Length (kept only for HEAD) is not the file's
  const length = headerAt(h, 'content-length');
  if (length !== -1) h.splice(length, 2);
  r.respBody.reset();
  r.respBodyStarted = false;
  const status = r.status;
  r.status = status === 200 ? 0 : status;
  const work = two ? xSendfile2(r, value, host.xSendfileDocroot) : xSendfile(r, value, host.xSendfileDocroot);
  return work.then(() => {
    if (r.status >= 400 && status < 300) {
      // handler_module = NULL: lighttpd's error page, nothing of the file
      r.respBody.reset();
    } else if (status !== 0 && status !== 200) {
      r.status = status;
    }
  });
}

/**
 * http_response_omit_header: X-Sendfile and every X-LIGHTTPD-* header of a backend's head never
 * reach the client; X-LIGHTTPD-KBytes-per-second lowers the connection's rate limit for this
 * response as it goes (connection.kbytes-per-second, when the value is lower or none was set).
 */
export function omitResponseHeaders(r: Request): void {
  const h = r.responseHeaders;
  for (let i = 0; i < h.length; ) {
    const lower = (h[i] as string).toLowerCase();
    if (lower === 'x-sendfile' || lower.startsWith('x-lighttpd-')) {
      if (lower === 'x-lighttpd-kbytes-per-second') {
        const kb = Number.parseInt(h[i + 1] as string, 10);
        const now = r.conf['connection.kbytes-per-second'];
        // the engine writes the head with the request's core config
        if (kb > 0 && (now === 0 || kb < now)) (r as { conf: CoreConfig }).conf = { ...r.conf, 'connection.kbytes-per-second': kb };
      }
      h.splice(i, 2);
    } else i += 2;
  }
}
