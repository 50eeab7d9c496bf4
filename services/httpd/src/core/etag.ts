// Entity tags for static files as lighttpd 1.4.69 http_etag.c builds them (http_etag_create:
// inode, size, mtime seconds and nanoseconds, hashed, quoted) and the If-None-Match comparison (http_etag_matches).
import type { Stats } from 'node:fs';

export const ETAG_USE_INODE = 1;
export const ETAG_USE_MTIME = 2;
export const ETAG_USE_SIZE = 4;

/** The quoted ETag for a file, or "" when `flags` is 0 (etags disabled). */
export function createEtag(st: Stats, flags: number): string {
  if (flags === 0) return '';
  let s = '';
  if ((flags & ETAG_USE_INODE) !== 0) s += st.ino + '-';
  if ((flags & ETAG_USE_SIZE) !== 0) s += st.size + '-';
  if ((flags & ETAG_USE_MTIME) !== 0) {
    // Seconds and nanoseconds, as http_etag_create mixes in st_mtime and st_mtim.tv_nsec: a file
    // rewritten with the same size within one second still gets a new tag. (mtimeMs carries the
    // nanoseconds to about 0.25 us; any change of it changes the tag.)
    const sec = Math.floor(st.mtimeMs / 1000);
    s += sec + '-' + Math.round((st.mtimeMs - sec * 1000) * 1e6) + '-';
  }
  // djb2 over the text, kept unsigned 32-bit, like upstream's hash
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h << 5) + h + s.charCodeAt(i)) >>> 0;
  return '"' + h + '"';
}

/**
 * If-None-Match against our ETag (RFC 9110 13.1.2: weak comparison, "*" matches any).
 * The header may list several tags separated by commas.
 */
export function etagMatches(header: string, etag: string): boolean {
  if (etag === '') return false;
  if (header === etag) return true;
  const t = header.trim();
  if (t === '*') return true;
  let i = 0;
  const n = t.length;
  while (i < n) {
    while (i < n && (t[i] === ' ' || t[i] === '\t' || t[i] === ',')) i++;
    // weak comparison: W/"x" matches "x"
    if (t[i] === 'W' && t[i + 1] === '/') i += 2;
    if (t[i] !== '"') return false;
    const end = t.indexOf('"', i + 1);
    if (end === -1) return false;
    const tag = t.slice(i, end + 1);
    if (tag === etag) return true;
    i = end + 1;
  }
  return false;
}
