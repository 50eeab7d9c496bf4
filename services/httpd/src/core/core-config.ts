// The core's per-request directives (lighttpd 1.4.69 configfile.c config_insert: request_config)
// as a @libs/plugins directive table, compiled once into defaults plus per-block patches.
import type { ConfigSnapshot, DirectiveSpec, TypedValue } from '@libs/plugins';
import { VERSION } from './version';
import { createMimeTable, type MimeTable } from './mimetype';

/** server.tag when the config does not set one. */
export const DEFAULT_SERVER_TAG = `httpd-ts/${VERSION}`;

/** The values of CORE_REQUEST_DIRECTIVES for one request; every key always has a value. */
export interface CoreConfig {
  readonly 'server.document-root': string;
  readonly 'server.name': string;
  readonly 'server.tag': string;
  /** kbytes; 0 = unlimited. */
  readonly 'server.max-request-size': number;
  readonly 'server.max-keep-alive-requests': number;
  readonly 'server.max-keep-alive-idle': number;
  readonly 'server.max-read-idle': number;
  readonly 'server.max-write-idle': number;
  readonly 'server.errorfile-prefix': string;
  readonly 'server.error-handler': string;
  readonly 'server.error-handler-404': string;
  readonly 'server.follow-symlink': boolean;
  readonly 'server.force-lowercase-filenames': boolean;
  readonly 'server.range-requests': boolean;
  readonly 'connection.kbytes-per-second': number;
  /** 0: the whole body before the handler sees it (temp files past 64 KiB); 1: stream; 2: stream, minimal buffering. */
  readonly 'server.stream-request-body': number;
  /** 0: the whole response before the head is sent; 1: stream; 2: stream, minimal buffering. */
  readonly 'server.stream-response-body': number;
  readonly 'mimetype.assign': MimeTable;
  readonly 'etag.use-inode': boolean;
  readonly 'etag.use-mtime': boolean;
  readonly 'etag.use-size': boolean;
}

const spec = <V>(key: keyof CoreConfig, type: DirectiveSpec['type'], dflt: V, parse?: (v: TypedValue) => V): DirectiveSpec<V> =>
  parse === undefined ? { key, type, scope: 'connection', default: dflt } : { key, type, scope: 'connection', default: dflt, parse };

export const CORE_REQUEST_DIRECTIVES: readonly DirectiveSpec[] = Object.freeze([
  spec('server.document-root', 'string', ''),
  spec('server.name', 'string', ''),
  spec('server.tag', 'string', DEFAULT_SERVER_TAG),
  spec('server.max-request-size', 'int', 0),
  spec('server.max-keep-alive-requests', 'short', 1000),
  spec('server.max-keep-alive-idle', 'short', 5),
  spec('server.max-read-idle', 'short', 60),
  spec('server.max-write-idle', 'short', 360),
  spec('server.errorfile-prefix', 'string', ''),
  spec('server.error-handler', 'string', ''),
  spec('server.error-handler-404', 'string', ''),
  spec('server.follow-symlink', 'boolean', true),
  spec('server.force-lowercase-filenames', 'boolean', false),
  spec('server.range-requests', 'boolean', true),
  spec('connection.kbytes-per-second', 'short', 0),
  spec('server.stream-request-body', 'short', 0),
  spec('server.stream-response-body', 'short', 0),
  spec('mimetype.assign', 'array-kv-string', createMimeTable([]), (v) => createMimeTable(v as ReadonlyArray<readonly [string, string]>)),
  spec('etag.use-inode', 'boolean', true),
  spec('etag.use-mtime', 'boolean', true),
  spec('etag.use-size', 'boolean', true),
]);

/** The typed view of a snapshot compiled from CORE_REQUEST_DIRECTIVES (all keys have defaults). */
export function coreConfig(snapshot: ConfigSnapshot): CoreConfig {
  return snapshot as unknown as CoreConfig;
}
