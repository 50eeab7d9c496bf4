// Start-up pieces the single process, the workers and the watcher share: global values, the error
// log as lighttpd opens it, and lighttpd's wording of start-up failures.
import { FdeventError } from '@libs/fdevent';
import { createErrorLog, parseSyslogFacility, type ErrorLog, type SyslogFacility } from '@libs/log';
import { ServeError } from './errors';
import type { ServeContext } from './serve-context';

export function globalString(ctx: ServeContext, key: string): string {
  const v = ctx.tree.global.directives.get(key)?.value;
  return v?.type === 'string' ? v.value : '';
}

export function globalEnabled(ctx: ServeContext, key: string): boolean {
  return ctx.validation.contexts[0]?.values.get(key)?.value === true;
}

/** lighttpd's fdlog_openlog() facility names: lower case only, and "security" (deprecated) for auth. */
function syslogFacility(name: string): SyslogFacility | undefined {
  if (name === 'security') return 'auth';
  return name === name.toLowerCase() ? parseSyslogFacility(name) : undefined;
}

/**
 * The error log (lighttpd's config_log_error_open): server.errorlog-use-syslog wins over
 * server.errorlog, and is openlog("lighttpd", LOG_CONS | LOG_PID, server.syslog-facility), daemon
 * when unset or unknown (with a warning, as fdlog_openlog() gives one).
 */
export function openErrorLog(ctx: ServeContext): ErrorLog {
  const errorlog = globalString(ctx, 'server.errorlog');
  if (!globalEnabled(ctx, 'server.errorlog-use-syslog')) {
    return createErrorLog({ target: errorlog === '' ? 'stderr' : { file: errorlog }, style: 'lighttpd' });
  }
  const name = globalString(ctx, 'server.syslog-facility');
  const facility = name === '' ? 'daemon' : syslogFacility(name);
  const log = createErrorLog({ target: { syslog: { ident: 'lighttpd', facility: facility ?? 'daemon' } }, style: 'lighttpd' });
  if (facility === undefined) log.warn(`unrecognized syslog facility: "${name}"; defaulting to "daemon" facility`);
  return log;
}

export const codeOf = (e: unknown): string => {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'HTTPD_ERR_STARTUP';
};

/** A socket that cannot be bound or listened on is lighttpd's "can't bind to socket: <address> ...". */
export function listenError(e: unknown): unknown {
  if (!(e instanceof FdeventError) || (e.code !== 'FDEVENT_ERR_LISTEN' && e.code !== 'FDEVENT_ERR_BIND')) return e;
  return new ServeError('HTTPD_ERR_LISTEN', `can't bind to socket: ${e.message.replace(/^(listen failed|can't bind to socket): /, '')}`);
}
