// Directive tables of lighttpd 1.4.69's core (configfile.c config_insert_srvconf / config_insert,
// network.c) and of the three modules it always loads (mod_indexfile, mod_dirlisting, mod_staticfile).
import { DirectiveRegistry, type DirectiveDescriptor, type DirectiveScope, type DirectiveType } from './directives';

const d = (key: string, type: DirectiveType, scope: DirectiveScope): DirectiveDescriptor => ({ key, type, scope });

export const CORE_DIRECTIVES: readonly DirectiveDescriptor[] = Object.freeze([
  // server scope (config_insert_srvconf)
  d('server.modules', 'array-string', 'server'),
  d('server.compat-module-load', 'boolean', 'server'),
  d('server.systemd-socket-activation', 'boolean', 'server'),
  d('server.port', 'short', 'server'),
  d('server.bind', 'string', 'server'),
  d('server.network-backend', 'string', 'server'),
  d('server.chroot', 'string', 'server'),
  d('server.username', 'string', 'server'),
  d('server.groupname', 'string', 'server'),
  d('server.errorlog-use-syslog', 'boolean', 'server'),
  d('server.syslog-facility', 'string', 'server'),
  d('server.core-files', 'boolean', 'server'),
  d('server.event-handler', 'string', 'server'),
  d('server.pid-file', 'string', 'server'),
  d('server.max-worker', 'short', 'server'),
  d('server.max-fds', 'short', 'server'),
  d('server.max-connections', 'short', 'server'),
  d('server.max-request-field-size', 'int', 'server'),
  d('server.chunkqueue-chunk-sz', 'int', 'server'),
  d('server.upload-temp-file-size', 'int', 'server'),
  d('server.upload-dirs', 'array-string', 'server'),
  d('server.http-parseopts', 'array-kv-string', 'server'),
  d('server.http-parseopt-header-strict', 'boolean', 'server'),
  d('server.http-parseopt-host-strict', 'boolean', 'server'),
  d('server.http-parseopt-host-normalize', 'boolean', 'server'),
  d('server.reject-expect-100-with-417', 'boolean', 'server'),
  d('server.stat-cache-engine', 'string', 'server'),
  d('mimetype.xattr-name', 'string', 'server'),
  d('ssl.engine', 'boolean', 'connection'),
  d('debug.log-request-header-on-error', 'boolean', 'server'),
  d('server.feature-flags', 'array-kv-any', 'server'),
  // listening sockets (network.c)
  d('server.use-ipv6', 'boolean', 'connection'),
  d('server.set-v6only', 'boolean', 'connection'),
  d('server.v4mapped', 'boolean', 'server'),
  d('server.defer-accept', 'boolean', 'connection'),
  d('server.listen-backlog', 'int', 'connection'),
  d('server.socket-perms', 'string', 'connection'),
  // per-request scope (config_insert)
  d('server.document-root', 'string', 'connection'),
  d('server.name', 'string', 'connection'),
  d('server.tag', 'string', 'connection'),
  d('server.max-request-size', 'int', 'connection'),
  d('server.max-keep-alive-requests', 'short', 'connection'),
  d('server.max-keep-alive-idle', 'short', 'connection'),
  d('server.max-read-idle', 'short', 'connection'),
  d('server.max-write-idle', 'short', 'connection'),
  d('server.errorfile-prefix', 'string', 'connection'),
  d('server.error-handler', 'string', 'connection'),
  d('server.error-handler-404', 'string', 'connection'),
  d('server.error-intercept', 'boolean', 'connection'),
  d('server.force-lowercase-filenames', 'boolean', 'connection'),
  d('server.follow-symlink', 'boolean', 'connection'),
  d('server.protocol-http11', 'boolean', 'connection'),
  d('server.range-requests', 'boolean', 'connection'),
  d('server.stream-request-body', 'short', 'connection'),
  d('server.stream-response-body', 'short', 'connection'),
  d('server.kbytes-per-second', 'short', 'connection'),
  d('connection.kbytes-per-second', 'short', 'connection'),
  d('mimetype.assign', 'array-kv-string', 'connection'),
  d('mimetype.use-xattr', 'boolean', 'connection'),
  d('etag.use-inode', 'boolean', 'connection'),
  d('etag.use-mtime', 'boolean', 'connection'),
  d('etag.use-size', 'boolean', 'connection'),
  d('debug.log-condition-handling', 'boolean', 'connection'),
  d('debug.log-file-not-found', 'boolean', 'connection'),
  d('debug.log-request-handling', 'boolean', 'connection'),
  d('debug.log-request-header', 'boolean', 'connection'),
  d('debug.log-response-header', 'boolean', 'connection'),
  d('debug.log-timeouts', 'boolean', 'connection'),
  d('debug.log-state-handling', 'boolean', 'connection'),
  d('server.errorlog', 'string', 'connection'),
  d('server.breakagelog', 'string', 'connection'),
]);

export const INDEXFILE_DIRECTIVES: readonly DirectiveDescriptor[] = Object.freeze([
  d('index-file.names', 'array-string', 'connection'),
  d('server.indexfiles', 'array-string', 'connection'),
]);

export const DIRLISTING_DIRECTIVES: readonly DirectiveDescriptor[] = Object.freeze([
  d('dir-listing.activate', 'boolean', 'connection'),
  d('server.dir-listing', 'boolean', 'connection'),
  d('dir-listing.hide-dotfiles', 'boolean', 'connection'),
  d('dir-listing.external-css', 'string', 'connection'),
  d('dir-listing.external-js', 'string', 'connection'),
  d('dir-listing.encoding', 'string', 'connection'),
  d('dir-listing.show-readme', 'string', 'connection'),
  d('dir-listing.hide-readme-file', 'boolean', 'connection'),
  d('dir-listing.show-header', 'string', 'connection'),
  d('dir-listing.hide-header-file', 'boolean', 'connection'),
  d('dir-listing.set-footer', 'string', 'connection'),
  d('dir-listing.exclude', 'array-string', 'connection'),
  d('dir-listing.encode-readme', 'boolean', 'connection'),
  d('dir-listing.encode-header', 'boolean', 'connection'),
  d('dir-listing.auto-layout', 'boolean', 'connection'),
  d('dir-listing.cache', 'array-kv-any', 'connection'),
  d('dir-listing.sort', 'boolean', 'connection'),
]);

export const STATICFILE_DIRECTIVES: readonly DirectiveDescriptor[] = Object.freeze([
  d('static-file.exclude-extensions', 'array-string', 'connection'),
  d('static-file.etags', 'boolean', 'connection'),
  d('static-file.disable-pathinfo', 'boolean', 'connection'),
]);

/** A registry holding the core table and the always-loaded modules' tables. */
export function createCoreRegistry(): DirectiveRegistry {
  return new DirectiveRegistry()
    .register('core', CORE_DIRECTIVES)
    .register('mod_indexfile', INDEXFILE_DIRECTIVES)
    .register('mod_dirlisting', DIRLISTING_DIRECTIVES)
    .register('mod_staticfile', STATICFILE_DIRECTIVES);
}
