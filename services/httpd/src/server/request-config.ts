// The per-request configuration snapshot: lighttpd's request_config (src/base.h, configfile.c
// config_insert defaults) plus the options of mod_indexfile, mod_dirlisting and mod_staticfile.
import type { TypedValue } from '../config';
import { createMimeTable, type MimeTable } from '../modules/mimetype';
import { ETAG_USE_INODE, ETAG_USE_MTIME, ETAG_USE_SIZE } from '../modules/etag';
import { VERSION } from '../cli/texts';

/** server.tag when the config does not set one. */
export const DEFAULT_SERVER_TAG = `httpd-ts/${VERSION}`;

export interface DirListingConfig {
  readonly activate: boolean;
  readonly hideDotfiles: boolean;
  readonly externalCss: string;
  readonly externalJs: string;
  readonly encoding: string;
  readonly showReadme: string;
  readonly hideReadmeFile: boolean;
  readonly showHeader: string;
  readonly hideHeaderFile: boolean;
  readonly setFooter: string;
  readonly exclude: readonly RegExp[];
  readonly encodeReadme: boolean;
  readonly encodeHeader: boolean;
  readonly autoLayout: boolean;
  readonly sort: boolean;
}

export interface RequestConfig {
  readonly documentRoot: string;
  readonly serverName: string;
  readonly serverTag: string;
  /** server.max-request-size in bytes (the directive is in kbytes); 0 = unlimited. */
  readonly maxRequestSize: number;
  readonly maxKeepAliveRequests: number;
  readonly maxKeepAliveIdle: number;
  readonly maxReadIdle: number;
  readonly maxWriteIdle: number;
  readonly errorfilePrefix: string;
  readonly errorHandler: string;
  readonly errorHandler404: string;
  readonly followSymlink: boolean;
  readonly forceLowercaseFilenames: boolean;
  readonly rangeRequests: boolean;
  readonly mimetypes: MimeTable;
  /** ETAG_USE_* bits; 0 when static-file.etags is disabled. */
  readonly etagFlags: number;
  readonly excludeExtensions: readonly string[];
  readonly disablePathinfo: boolean;
  readonly indexFiles: readonly string[];
  readonly dirListing: DirListingConfig;
  readonly kbytesPerSecond: number;
}

type Values = ReadonlyMap<string, TypedValue>;

const str = (v: Values, key: string, dflt: string): string => {
  const x = v.get(key);
  return typeof x === 'string' ? x : dflt;
};
const num = (v: Values, key: string, dflt: number): number => {
  const x = v.get(key);
  return typeof x === 'number' ? x : dflt;
};
const bool = (v: Values, key: string, dflt: boolean): boolean => {
  const x = v.get(key);
  return typeof x === 'boolean' ? x : dflt;
};
const list = (v: Values, key: string): readonly string[] | undefined => {
  const x = v.get(key);
  return Array.isArray(x) && x.every((e) => typeof e === 'string') ? (x as readonly string[]) : undefined;
};
const pairs = (v: Values, key: string): ReadonlyArray<readonly [string, string]> => {
  const x = v.get(key);
  return Array.isArray(x) && x.every((e) => Array.isArray(e)) ? (x as unknown as ReadonlyArray<readonly [string, string]>) : [];
};

function compileExcludes(patterns: readonly string[]): RegExp[] {
  const out: RegExp[] = [];
  for (const p of patterns) {
    try {
      out.push(new RegExp(p));
    } catch {
      // an invalid pattern excludes nothing (lighttpd refuses to start; setDefaults reports it)
    }
  }
  return out;
}

/** Builds the snapshot from merged directive values (global, then matching blocks in file order). */
export function buildRequestConfig(v: Values): RequestConfig {
  const etags = bool(v, 'static-file.etags', true);
  const etagFlags = etags
    ? (bool(v, 'etag.use-inode', true) ? ETAG_USE_INODE : 0) |
      (bool(v, 'etag.use-mtime', true) ? ETAG_USE_MTIME : 0) |
      (bool(v, 'etag.use-size', true) ? ETAG_USE_SIZE : 0)
    : 0;
  const dirListing: DirListingConfig = Object.freeze({
    activate: bool(v, 'dir-listing.activate', bool(v, 'server.dir-listing', false)),
    hideDotfiles: bool(v, 'dir-listing.hide-dotfiles', true),
    externalCss: str(v, 'dir-listing.external-css', ''),
    externalJs: str(v, 'dir-listing.external-js', ''),
    encoding: str(v, 'dir-listing.encoding', ''),
    showReadme: normalizeShowFile(str(v, 'dir-listing.show-readme', ''), 'README.txt'),
    hideReadmeFile: bool(v, 'dir-listing.hide-readme-file', false),
    showHeader: normalizeShowFile(str(v, 'dir-listing.show-header', ''), 'HEADER.txt'),
    hideHeaderFile: bool(v, 'dir-listing.hide-header-file', false),
    setFooter: str(v, 'dir-listing.set-footer', ''),
    exclude: Object.freeze(compileExcludes(list(v, 'dir-listing.exclude') ?? [])),
    encodeReadme: bool(v, 'dir-listing.encode-readme', true),
    encodeHeader: bool(v, 'dir-listing.encode-header', true),
    autoLayout: bool(v, 'dir-listing.auto-layout', true),
    sort: bool(v, 'dir-listing.sort', true),
  });
  return Object.freeze({
    documentRoot: str(v, 'server.document-root', ''),
    serverName: str(v, 'server.name', ''),
    serverTag: str(v, 'server.tag', DEFAULT_SERVER_TAG),
    maxRequestSize: num(v, 'server.max-request-size', 0) * 1024,
    maxKeepAliveRequests: num(v, 'server.max-keep-alive-requests', 1000),
    maxKeepAliveIdle: num(v, 'server.max-keep-alive-idle', 5),
    maxReadIdle: num(v, 'server.max-read-idle', 60),
    maxWriteIdle: num(v, 'server.max-write-idle', 360),
    errorfilePrefix: str(v, 'server.errorfile-prefix', ''),
    errorHandler: str(v, 'server.error-handler', ''),
    errorHandler404: str(v, 'server.error-handler-404', ''),
    followSymlink: bool(v, 'server.follow-symlink', true),
    forceLowercaseFilenames: bool(v, 'server.force-lowercase-filenames', false),
    rangeRequests: bool(v, 'server.range-requests', true),
    mimetypes: createMimeTable(pairs(v, 'mimetype.assign')),
    etagFlags,
    excludeExtensions: Object.freeze([...(list(v, 'static-file.exclude-extensions') ?? [])]),
    disablePathinfo: bool(v, 'static-file.disable-pathinfo', false),
    indexFiles: Object.freeze([...(list(v, 'index-file.names') ?? list(v, 'server.indexfiles') ?? [])]),
    dirListing,
    kbytesPerSecond: num(v, 'connection.kbytes-per-second', 0),
  });
}

/** dir-listing.show-readme/-header: "enable" means the default file name, "disable" none. */
function normalizeShowFile(value: string, dflt: string): string {
  const l = value.toLowerCase();
  if (l === 'enable' || l === 'true' || l === '1') return dflt;
  if (l === 'disable' || l === 'false' || l === '0') return '';
  return value;
}
