// URL path to file-system path for mod_staticfile and friends: document root + simplified path,
// kept inside the root, with lighttpd's server.follow-symlink = "disable" check (stat_cache.c).
import { httpErrors } from '../http/errors';
import { simplifyPath } from './request-path';

/** The part of fs.Stats the resolver needs. */
export interface PathStat {
  isSymbolicLink(): boolean;
  isDirectory(): boolean;
}

/** lstat that resolves undefined for a missing path; the caller may put a stat cache behind it. */
export type LstatFn = (fsPath: string) => Promise<PathStat | undefined>;

export interface PhysicalPathOptions {
  /** server.follow-symlink (default "enable"); when false every component below the root is lstat'ed. */
  followSymlink: boolean;
  /** required when followSymlink is false. */
  lstat?: LstatFn;
}

/** Converts the decoded URL path (latin1 string of bytes) to the UTF-8 string Node's fs expects. */
export function urlPathToFs(urlPath: string): string {
  for (let i = 0; i < urlPath.length; i++) {
    if (urlPath.charCodeAt(i) > 0x7f) return Buffer.from(urlPath, 'latin1').toString('utf8');
  }
  return urlPath;
}

/**
 * Maps `urlPath` (decoded, as from parseRequestPath) below `docRoot`. The path is simplified
 * again (no "..", no "//" survive), so it can never leave the root; with followSymlink false, a symlink in any component
 * below the root answers 403 (HTTPD_ERR_FORBIDDEN), as lighttpd does. A missing component ends
 * the walk: the caller's stat then answers 404 (or finds path-info).
 */
export async function resolvePhysicalPath(docRoot: string, urlPath: string, options: PhysicalPathOptions): Promise<string> {
  const root = docRoot.length > 1 && docRoot.endsWith('/') ? docRoot.slice(0, -1) : docRoot;
  const rel = simplifyPath(urlPathToFs(urlPath));
  const physical = root === '/' ? rel : root + rel;
  if (!options.followSymlink) {
    const lstat = options.lstat;
    if (lstat === undefined) throw new TypeError('resolvePhysicalPath: lstat is required when followSymlink is false');
    let at = root === '/' ? 0 : root.length;
    while (at < physical.length) {
      let next = physical.indexOf('/', at + 1);
      if (next === -1) next = physical.length;
      if (next === at + 1) break;
      const st = await lstat(physical.slice(0, next));
      if (st === undefined) break;
      if (st.isSymbolicLink()) throw httpErrors.forbidden('symlink with server.follow-symlink disabled');
      if (!st.isDirectory()) break;
      at = next;
    }
  }
  return physical;
}
