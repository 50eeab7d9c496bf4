// fpm-ts error catalogue: one factory per failure with a stable code, so tests and callers
// match on `code`, never on message text (fastify's lib/errors.js idea).

export class FpmError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'FpmError';
  }
}

/** `[file:line] unknown entry 'key'`, as php-fpm's fpm_conf.c words it. */
export const unknownEntry = (file: string, line: number, key: string): FpmError =>
  new FpmError('FPM_ERR_CONFIG_UNKNOWN_ENTRY', `[${file}:${line}] unknown entry '${key}'`);

/** `[file:line] unable to parse value for entry 'key': reason`. */
export const badValue = (file: string, line: number, key: string, reason: string): FpmError =>
  new FpmError('FPM_ERR_CONFIG_VALUE', `[${file}:${line}] unable to parse value for entry '${key}': ${reason}`);

export const syntaxError = (file: string, line: number, detail: string): FpmError =>
  new FpmError('FPM_ERR_CONFIG_SYNTAX', `[${file}:${line}] syntax error, ${detail}`);

export const includeFailed = (pattern: string, file: string, line: number): FpmError =>
  new FpmError('FPM_ERR_CONFIG_INCLUDE', `Unable to globalize '${pattern}' from ${file} at line ${line}.`);

export const configUnreadable = (file: string, reason: string): FpmError =>
  new FpmError('FPM_ERR_CONFIG_READ', `failed to open configuration file '${file}': ${reason}`);

/** Post-processing failures name the pool: `[pool www] pm.max_children must be a positive value`. */
export const poolInvalid = (pool: string, detail: string): FpmError =>
  new FpmError('FPM_ERR_POOL_INVALID', `[pool ${pool}] ${detail}`);

export const noPools = (): FpmError => new FpmError('FPM_ERR_NO_POOLS', 'No pool defined. at least one pool section must be specified in config file');

export const usage = (detail: string): FpmError => new FpmError('FPM_ERR_USAGE', detail);
