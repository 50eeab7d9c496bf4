// httpd-ts command-line error catalogue (stable codes; wording after lighttpd's server.c).

export type CliErrorCode = 'HTTPD_ERR_CLI_USAGE' | 'HTTPD_ERR_CLI_NO_CONFIG' | 'HTTPD_ERR_MODULE_UNKNOWN' | 'HTTPD_ERR_NOT_AVAILABLE';

export class CliError extends Error {
  constructor(
    readonly code: CliErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const invalidOption = (opt: string): CliError => new CliError('HTTPD_ERR_CLI_USAGE', `invalid option -- '${opt}'`);

export const missingArgument = (opt: string): CliError =>
  new CliError('HTTPD_ERR_CLI_USAGE', `option requires an argument -- '${opt}'`);

export const invalidIdle = (value: string): CliError =>
  new CliError('HTTPD_ERR_CLI_USAGE', `Invalid idle timeout value: ${value}`);

export const noConfig = (): CliError =>
  new CliError('HTTPD_ERR_CLI_NO_CONFIG', 'No configuration available. Try using -f option.');
