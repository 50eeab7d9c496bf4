// Texts of -v, -V and -h, laid out like lighttpd 1.4.69's server.c show_version/show_features/show_help.
import { VERSION } from '../core/version';

export { VERSION };

export const versionLine = (): string =>
  `httpd-ts/${VERSION} (node ${process.version}) - a lighttpd 1.4 compatible web server\n`;

export const usage = (): string =>
  versionLine() +
  'usage:\n' +
  ' -f <name>  filename of the config-file\n' +
  ' -m <name>  module directory: third-party modules (mod_*.js) load from here\n' +
  ' -i <secs>  graceful shutdown after <secs> of inactivity\n' +
  ' -1         process single (one) request on stdin socket, then exit\n' +
  ' -p         print the parsed config-file in internal form, and exit\n' +
  ' -t         test config-file syntax, then exit\n' +
  ' -tt        test config-file syntax, load and init modules, then exit\n' +
  ' -D         don\'t go to background (default: go to background)\n' +
  ' -v         show version\n' +
  ' -V         show compile-time features\n' +
  ' -h         show this help\n' +
  '\n';

export const features = (): string =>
  versionLine() +
  '\n' +
  'Event Handlers:\n' +
  '\n' +
  '\t+ libuv (node)\n' +
  '\n' +
  'Network handler:\n' +
  '\n' +
  '\t+ node:net\n' +
  '\n' +
  'Features:\n' +
  '\n' +
  '\t+ IPv6 support\n' +
  '\t+ zlib support\n' +
  '\t+ brotli support\n' +
  '\t+ regex support (JavaScript RegExp for PCRE conditions)\n' +
  '\t+ systemd socket activation and sd_notify\n' +
  '\t- SSL/TLS support\n' +
  '\n';
