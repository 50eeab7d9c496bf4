// fpm-ts command-line flags, the same as php-fpm's (sapi/fpm/fpm/fpm_main.c usage()).
import { usage } from '../errors';

export interface FpmArgs {
  config: string;
  prefix: string | null;
  pidFile: string | null;
  /** -t once: test the configuration; php-fpm's -tt also dumps it. */
  test: number;
  /** true: -F, false: -D, null: as the config's `daemonize` says. */
  foreground: boolean | null;
  forceStderr: boolean;
  allowRoot: boolean;
  version: boolean;
  help: boolean;
}

export const DEFAULT_CONFIG = '/etc/fpm-ts/fpm-ts.conf';

const WITH_VALUE: Readonly<Record<string, 'config' | 'prefix' | 'pidFile' | 'phpIni'>> = {
  '-y': 'config',
  '--fpm-config': 'config',
  '-p': 'prefix',
  '--prefix': 'prefix',
  '-g': 'pidFile',
  '--pid': 'pidFile',
  // php.ini has no meaning for JavaScript pools; accepted so php-fpm command lines keep working.
  '-c': 'phpIni',
  '--php-ini': 'phpIni',
};

export function parseArgs(argv: readonly string[]): FpmArgs {
  const args: FpmArgs = {
    config: DEFAULT_CONFIG,
    prefix: null,
    pidFile: null,
    test: 0,
    foreground: null,
    forceStderr: false,
    allowRoot: false,
    version: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag = '', inline] = (argv[i] ?? '').split(/=(.*)/s, 2);
    const target = WITH_VALUE[flag];
    if (target !== undefined) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw usage(`option '${flag}' requires an argument`);
      if (target !== 'phpIni') args[target] = value;
      continue;
    }
    switch (flag) {
      case '-t':
      case '--test':
        args.test++;
        break;
      case '-tt':
        args.test += 2;
        break;
      case '-F':
      case '--nodaemonize':
        args.foreground = true;
        break;
      case '-D':
      case '--daemonize':
        args.foreground = false;
        break;
      case '-O':
      case '--force-stderr':
        args.forceStderr = true;
        break;
      case '-R':
      case '--allow-to-run-as-root':
        args.allowRoot = true;
        break;
      case '-v':
      case '--version':
        args.version = true;
        break;
      case '-h':
      case '--help':
        args.help = true;
        break;
      default:
        throw usage(`unknown option '${argv[i]}' (try -h)`);
    }
  }
  return args;
}

export const HELP = `Usage: fpm-ts [-n] [-e] [-h] [-i] [-m] [-v] [-t] [-p <prefix>] [-g <pid>] [-c <file>] [-d foo[=bar]] [-y <file>] [-D] [-F [-O]]
  -c <path>|<file> Accepted for php-fpm compatibility; ignored (no php.ini in fpm-ts)
  -h               This help
  -p, --prefix <dir>
                   Specify alternative prefix path (the default is /var)
  -g, --pid <file>
                   Specify the PID file location.
  -y, --fpm-config <file>
                   Specify alternative path to FastCGI process manager config file.
                   (the default is ${DEFAULT_CONFIG})
  -t, --test       Test FPM configuration and exit
  -D, --daemonize  force to run in background, and ignore daemonize option from config file
  -F, --nodaemonize
                   force to stay in foreground, and ignore daemonize option from config file
  -O, --force-stderr
                   force output to stderr in nodaemonize even if stderr is not a TTY
  -R, --allow-to-run-as-root
                   Allow pool to run as root (disabled by default)
  -v, --version    Print version information and exit
`;
