// httpd-ts entry: main(argv) wires the command line to the config layer and the server,
// the role of lighttpd's server.c main().
import fs from 'node:fs';
import { runCli, type CliHooks, type CliIo } from './cli';
import { createRegistry, loadModulesForTest } from './server/plugins';
import { serve } from './server/serve';

/** stdout/stderr of this process. */
export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readStdin: () => fs.readFileSync(0, 'utf8'),
};

/**
 * The hooks main() runs: the directive registry, the -tt module loader (which also registers each
 * module's directive table in the registry it is given) and `serve`, the server start-up.
 */
export const defaultHooks: CliHooks = {
  createRegistry,
  loadModules: loadModulesForTest,
  serve,
};

/** Runs httpd-ts with lighttpd's flags; resolves with the process exit code. */
export function main(argv: readonly string[], hooks: CliHooks = defaultHooks, io: CliIo = processIo): Promise<number> {
  return runCli(argv, hooks, io);
}
