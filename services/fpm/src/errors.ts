// fpm-ts error catalogue: one factory per failure with a stable code, so tests and callers
// match on `code`, never on message text (fastify's lib/errors.js idea).

export class FpmError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The zlog level php-fpm logs this failure at: most are ERROR, a pool's pm settings ALERT. */
    readonly level: 'alert' | 'error' = 'error',
    /** The WARNING php-fpm logs first, saying why (a bad access.format token). */
    readonly warning: string | null = null,
  ) {
    super(message);
    this.name = 'FpmError';
  }
}

/** Logs a failure as php-fpm does: its WARNING saying why, if any, then the failure at its level. */
export function logFpmError(log: { warn(msg: string): void; error(msg: string): void; alert(msg: string): void }, err: FpmError): void {
  if (err.warning !== null) log.warn(err.warning);
  log[err.level](err.message);
}

/** `[file:line] unknown entry 'key'`, as php-fpm's fpm_conf.c words it. */
export const unknownEntry = (file: string, line: number, key: string): FpmError =>
  new FpmError('FPM_ERR_CONFIG_UNKNOWN_ENTRY', `[${file}:${line}] unknown entry '${key}'`);

/** `[file:line] unable to parse value for entry 'key': reason`. */
export const badValue = (file: string, line: number, key: string, reason: string): FpmError =>
  new FpmError('FPM_ERR_CONFIG_VALUE', `[${file}:${line}] unable to parse value for entry '${key}': ${reason}`);

export const syntaxError = (file: string, line: number, detail: string): FpmError =>
  new FpmError('FPM_ERR_CONFIG_SYNTAX', `[${file}:${line}] syntax error, ${detail}`);

/** glob() failed (GLOB_ABORTED, 2: a directory could not be read), in php-fpm's words. */
export const includeFailed = (pattern: string, file: string, line: number): FpmError =>
  new FpmError('FPM_ERR_CONFIG_INCLUDE', `Unable to globalize '${pattern}' (ret=2) from ${file} at line ${line}.`);

export const configUnreadable = (file: string, reason: string): FpmError =>
  new FpmError('FPM_ERR_CONFIG_READ', `failed to open configuration file '${file}': ${reason}`);

/** Post-processing failures name the pool: `[pool www] pm.max_children must be a positive value`. */
export const poolInvalid = (pool: string, detail: string, level: 'alert' | 'error' = 'error', warning: string | null = null): FpmError =>
  new FpmError('FPM_ERR_POOL_INVALID', `[pool ${pool}] ${detail}`, level, warning);

/**
 * The end php-fpm's ZLOG_SYSERROR lines get, strerror and errno ("No such file or directory (2)"),
 * from a Node system error ("ENOENT: no such file or directory, open '/x'", errno -2).
 */
export function sysErrorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const text = /^[A-Z0-9_]+: (.*?), \w+(?: '.*')?$/.exec(e.message ?? '')?.[1];
  if (text === undefined || typeof e.errno !== 'number') return String(e.message ?? err);
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} (${Math.abs(e.errno)})`;
}

/** php-fpm's fpm_stdio_open_error_log() words; the configuration's post-processing fails with it. */
export const errorLogUnopenable = (file: string, reason: string): FpmError =>
  new FpmError('FPM_ERR_ERROR_LOG', `failed to open error_log (${file}): ${reason}`);

/** php-fpm's fpm_conf_write_pid() words (the period inside is theirs). */
export const pidFileUnwritable = (file: string, reason: string): FpmError =>
  new FpmError('FPM_ERR_PID_FILE', `Unable to create the PID file (${file}).: ${reason}`);

/** Failures of the configuration's post-processing ("failed to post process the configuration"). */
export const POST_PROCESS_CODES: ReadonlySet<string> = new Set(['FPM_ERR_POOL_INVALID', 'FPM_ERR_ERROR_LOG']);

/** php-fpm's fpm_log_open() words; the configuration's post-processing fails with it. */
export const accessLogUnopenable = (file: string, reason: string): FpmError =>
  new FpmError('FPM_ERR_POOL_INVALID', `failed to open access log (${file}): ${reason}`);

/** php-fpm's fpm_conf.c words (checked when request_slowlog_timeout is set). */
export const slowlogUnopenable = (file: string, reason: string): FpmError =>
  new FpmError('FPM_ERR_POOL_INVALID', `Unable to create or open slowlog(${file}): ${reason}`);

export const noPools = (): FpmError => new FpmError('FPM_ERR_NO_POOLS', 'No pool defined. at least one pool section must be specified in config file');

export const usage = (detail: string): FpmError => new FpmError('FPM_ERR_USAGE', detail);
