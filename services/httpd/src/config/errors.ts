// httpd-ts configuration error catalogue: one factory per failure with a stable `code`, so
// callers and tests match on codes (fastify's lib/errors.js); wording follows lighttpd's configfile.c.

export type ConfigErrorCode =
  | 'HTTPD_ERR_CONFIG_OPEN'
  | 'HTTPD_ERR_CONFIG_SYNTAX'
  | 'HTTPD_ERR_CONFIG_VALUE'
  | 'HTTPD_ERR_CONFIG_CONDITION'
  | 'HTTPD_ERR_CONFIG_INCLUDE'
  | 'HTTPD_ERR_CONFIG_TYPE';

/** Where a token or directive came from; `file` is the path (or the include_shell command). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
}

export class ConfigError extends Error {
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    readonly location: SourceLocation | null,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

const at = (loc: SourceLocation): string => `${loc.file}:${loc.line}`;

/** The main config file (or `-f -` input) cannot be read: "opening configfile X failed". */
export const configOpenFailed = (file: string, reason: string): ConfigError =>
  new ConfigError('HTTPD_ERR_CONFIG_OPEN', `opening configfile ${file} failed: ${reason}`, null);

/** Tokenizer and grammar errors: what was found, what was expected, where. */
export const syntaxError = (loc: SourceLocation, detail: string): ConfigError =>
  new ConfigError('HTTPD_ERR_CONFIG_SYNTAX', `syntax error in ${at(loc)}: ${detail}`, loc);

/** Semantic errors of the language itself (undefined variables, duplicates, type mismatch in `+`). */
export const valueError = (loc: SourceLocation, detail: string): ConfigError =>
  new ConfigError('HTTPD_ERR_CONFIG_VALUE', `${detail} in ${at(loc)}`, loc);

/** A `$HTTP[...]`-style condition that cannot be used (unknown field, bad regex). */
export const conditionError = (loc: SourceLocation, detail: string): ConfigError =>
  new ConfigError('HTTPD_ERR_CONFIG_CONDITION', `${detail} in ${at(loc)}`, loc);

/** `include` / `include_shell` failures. */
export const includeError = (loc: SourceLocation, detail: string): ConfigError =>
  new ConfigError('HTTPD_ERR_CONFIG_INCLUDE', `${detail} in ${at(loc)}`, loc);

/** A directive whose value does not fit its descriptor: `"server.port" is not a number in F:L`. */
export const typeError = (key: string, loc: SourceLocation, detail: string): ConfigError =>
  new ConfigError('HTTPD_ERR_CONFIG_TYPE', `"${key}" ${detail} in ${at(loc)}`, loc);
