// fpm-ts's entry: php-fpm's fpm_main.c order: parse flags, load and check the configuration
// (-t stops there, -tt after printing it), then hand over to the master. Exit code 78
// (EX_CONFIG) on a bad config, as php-fpm does.
import { createErrorLog, parseLogLevel, type ErrorLog } from '@libs/log';
import { HELP, parseArgs, type FpmArgs } from './cli/args';
import { dumpConfig, loadConfig, type FpmConfig } from './config';
import { FpmError, logFpmError, POST_PROCESS_CODES } from './errors';
import { FPM_TS_VERSION } from './version';

export const EX_CONFIG = 78;

/** The serving half, given a checked configuration; resolves with the exit code. */
export type StartMaster = (config: FpmConfig, args: FpmArgs, log: ErrorLog) => Promise<number>;

export async function main(argv: readonly string[], startMaster: StartMaster): Promise<number> {
  const stderrLog = createErrorLog({ target: 'stderr', style: 'fpm' });
  let args: FpmArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    stderrLog.error((err as Error).message);
    return 64;
  }
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`fpm-ts ${FPM_TS_VERSION} (fpm-fcgi) (Node.js ${process.version})\n`);
    return 0;
  }

  let config: FpmConfig;
  try {
    config = loadConfig(args.config, {
      prefix: args.prefix ?? undefined,
      requireUser: process.getuid?.() === 0 && !args.allowRoot,
    });
  } catch (err) {
    if (!(err instanceof FpmError)) throw err;
    logFpmError(stderrLog, err);
    if (!POST_PROCESS_CODES.has(err.code)) stderrLog.error(`failed to load configuration file '${args.config}'`);
    else stderrLog.error('failed to post process the configuration');
    stderrLog.error('FPM initialization failed');
    return EX_CONFIG;
  }
  // From here log_level applies, to -t's verdict too (php-fpm says nothing at log_level = warning).
  stderrLog.setLevel(parseLogLevel(config.global.log_level));
  for (const message of config.messages) stderrLog[message.level](message.text);

  if (args.test > 0) {
    // -tt: php-fpm's fpm_conf_dump(), then the verdict.
    if (args.test > 1) for (const line of dumpConfig(config)) stderrLog.notice(line);
    stderrLog.notice(`configuration file ${args.config} test is successful`);
    return 0;
  }
  return startMaster(config, args, stderrLog);
}
