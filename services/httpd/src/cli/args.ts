// httpd-ts command-line flags: lighttpd 1.4.69's server.c getopt string "f:m:i:hvVD1pt",
// parsed the getopt(3) way (clustered flags, option values attached or in the next word).
import { invalidIdle, invalidOption, missingArgument, type CliError } from './errors';

export interface CliOptions {
  /** -f: config file, "-" for standard input. */
  readonly configFile: string | null;
  /** -m: module directory (kept for command-line compatibility; httpd-ts modules are built in). */
  readonly moduleDir: string | null;
  /** -p */
  readonly printConfig: boolean;
  /** -t once: 1, -tt: 2 (also load and initialise modules). */
  readonly test: 0 | 1 | 2;
  /** -D (also implied by -1) */
  readonly foreground: boolean;
  /** -i: shut down gracefully after this many idle seconds. */
  readonly idleTimeout: number | null;
  /** -1: serve one request on the socket passed as stdin, then exit. */
  readonly oneShot: boolean;
}

/** What the command line asks for: run (test/print/serve) or an immediate answer. */
export type CliRequest = { readonly action: 'help' | 'version' | 'features' } | { readonly action: 'run'; readonly options: CliOptions };

export type ParseArgsResult = { ok: true; request: CliRequest } | { ok: false; error: CliError };

const WITH_VALUE = new Set(['f', 'm', 'i']);
const FLAGS = new Set(['h', 'v', 'V', 'D', '1', 'p', 't']);

export function parseArgs(argv: readonly string[]): ParseArgsResult {
  let configFile: string | null = null;
  let moduleDir: string | null = null;
  let printConfig = false;
  let test = 0;
  let foreground = false;
  let idleTimeout: number | null = null;
  let oneShot = false;

  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--') break;
    // like getopt, the first word that is not an option ends option parsing
    if (!word.startsWith('-') || word === '-') break;
    for (let j = 1; j < word.length; j++) {
      const opt = word[j] as string;
      if (WITH_VALUE.has(opt)) {
        let value = word.slice(j + 1);
        if (value === '') {
          const next = argv[i + 1];
          if (next === undefined) return { ok: false, error: missingArgument(opt) };
          value = next;
          i++;
        }
        if (opt === 'f') configFile = value;
        else if (opt === 'm') moduleDir = value;
        else {
          if (!/^\d+$/.test(value)) return { ok: false, error: invalidIdle(value) };
          idleTimeout = Number(value);
        }
        break;
      }
      if (!FLAGS.has(opt)) return { ok: false, error: invalidOption(opt) };
      // -h, -v and -V answer at once, as upstream returns from inside its getopt loop
      if (opt === 'h') return { ok: true, request: { action: 'help' } };
      if (opt === 'v') return { ok: true, request: { action: 'version' } };
      if (opt === 'V') return { ok: true, request: { action: 'features' } };
      if (opt === 'D') foreground = true;
      else if (opt === '1') {
        oneShot = true;
        foreground = true;
      } else if (opt === 'p') printConfig = true;
      else if (opt === 't') test++;
    }
  }
  const options: CliOptions = {
    configFile,
    moduleDir,
    printConfig,
    test: Math.min(test, 2) as 0 | 1 | 2,
    foreground,
    idleTimeout,
    oneShot,
  };
  return { ok: true, request: { action: 'run', options: Object.freeze(options) } };
}
