// The httpd-ts command: lighttpd 1.4.69 server.c main() up to the point where it starts serving
// (flags, config read, -p, -t/-tt, then the serve hook).
import {
  ConfigError,
  effectiveModules,
  parseConfigFile,
  parseConfigString,
  printConfig,
  validateConfig,
  type ConfigTree,
} from '../config';
import { parseArgs, type CliOptions } from './args';
import { ALWAYS_LOADED_MODULES } from '../modules/registry';
import { EXIT_FAILURE } from '../server/errors';
import { noConfig } from './errors';
import type { CliHooks, CliIo, ReloadedConfig } from './hooks';
import { features, usage, versionLine } from './texts';

export { EXIT_FAILURE };

/** The core and the modules upstream always loads, whose tables count during -t and -p. */
const ALWAYS_LOADED = ['core', ...ALWAYS_LOADED_MODULES];

const report = (io: CliIo, e: { readonly message: string; readonly code: string }): void => io.stderr(`httpd-ts: ${e.message} (${e.code})\n`);

function readConfig(options: CliOptions, io: CliIo): ConfigTree {
  const file = options.configFile as string;
  return file === '-' ? parseConfigString(io.readStdin(), '-') : parseConfigFile(file);
}

export async function runCli(argv: readonly string[], hooks: CliHooks, io: CliIo): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    report(io, parsed.error);
    io.stderr(usage());
    return EXIT_FAILURE;
  }
  const req = parsed.request;
  if (req.action !== 'run') {
    io.stdout(req.action === 'help' ? usage() : req.action === 'version' ? versionLine() : features());
    return 0;
  }
  const options = req.options;
  if (options.configFile === null) {
    report(io, noConfig());
    return EXIT_FAILURE;
  }

  let tree: ConfigTree;
  try {
    tree = readConfig(options, io);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    report(io, e);
    return EXIT_FAILURE;
  }

  const registry = hooks.createRegistry();
  const validation = validateConfig(tree, registry, { owners: ALWAYS_LOADED });
  for (const w of validation.warnings) io.stderr(`httpd-ts: ${w}\n`);
  if (validation.errors.length > 0) {
    for (const e of validation.errors) report(io, e);
    return EXIT_FAILURE;
  }

  if (options.printConfig) io.stdout(`${printConfig(tree)}\n`);
  if (options.test === 1) io.stdout('Syntax OK\n');

  const modules = effectiveModules(tree, (w) => io.stderr(`httpd-ts: ${w}\n`));
  if (options.test === 2) {
    const failed = await hooks.loadModules(modules, { options, tree, registry });
    if (failed !== null) {
      report(io, failed);
      return EXIT_FAILURE;
    }
    const full = validateConfig(tree, registry, { owners: ['core', ...modules], warnUnknown: true });
    for (const w of full.warnings) io.stderr(`httpd-ts: ${w}\n`);
    if (full.errors.length > 0) {
      for (const e of full.errors) report(io, e);
      return EXIT_FAILURE;
    }
  }
  if (options.test > 0 || options.printConfig) return 0;

  const reload = (): ReloadedConfig => reloadConfig(options, hooks, io);
  return hooks.serve({ options, tree, registry, modules, validation, io, reload });
}

/** The start-up checks again, for a graceful restart: parse, validate, module list. */
function reloadConfig(options: CliOptions, hooks: CliHooks, io: CliIo): ReloadedConfig {
  if (options.configFile === '-') throw new Error('a configuration read from standard input cannot be read again');
  const tree = readConfig(options, io);
  const registry = hooks.createRegistry();
  const validation = validateConfig(tree, registry, { owners: ALWAYS_LOADED });
  if (validation.errors.length > 0) throw new Error(validation.errors.map((e) => `${e.message} (${e.code})`).join('; '));
  return { tree, registry, validation, modules: effectiveModules(tree) };
}
