// Reads php-fpm.conf's INI dialect into a flat list of entries, following includes: php's
// ZEND_INI_SCANNER_NORMAL rules as fpm_conf.c uses them (sections, `key = value`, `;` comments,
// quoted strings, ${VAR} expansion, yes/no/on/off/true/false/none keywords, `include = glob`).
import fs from 'node:fs';
import path from 'node:path';
import { configUnreadable, includeFailed, syntaxError } from '../errors';

export interface IniEntry {
  /** null before the first section header: php-fpm treats that as [global]. */
  readonly section: string | null;
  readonly key: string;
  readonly value: string;
  readonly file: string;
  readonly line: number;
}

export interface IniReadOptions {
  /** Relative include patterns resolve against the prefix, as php-fpm's fpm_evaluate_full_path does. */
  readonly prefix: string;
  readonly env: NodeJS.ProcessEnv;
  /** php-fpm's WARNINGs while reading (an include that matches nothing). */
  readonly warn: (text: string) => void;
}

// PHP's INI keywords become "1" / "" before fpm sees them.
const TRUE_WORDS = new Set(['true', 'on', 'yes']);
const FALSE_WORDS = new Set(['false', 'off', 'no', 'none', 'null']);

export function readIni(file: string, options: IniReadOptions): IniEntry[] {
  const entries: IniEntry[] = [];
  readInto(file, options, entries, { section: null }, new Set());
  return entries;
}

function readInto(file: string, options: IniReadOptions, out: IniEntry[], state: { section: string | null }, seen: Set<string>): void {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw configUnreadable(file, (err as NodeJS.ErrnoException).code ?? String(err));
  }
  const real = fs.realpathSync(file);
  if (seen.has(real)) throw syntaxError(file, 1, `file includes itself`);
  seen.add(real);

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = (lines[i] ?? '').replace(/\r$/, '').trim();
    if (raw === '' || raw.startsWith(';') || raw.startsWith('#')) continue;

    if (raw.startsWith('[')) {
      const close = raw.indexOf(']');
      if (close < 0) throw syntaxError(file, lineNo, "unexpected end of line, expecting ']'");
      const name = raw.slice(1, close).trim();
      if (name === '') throw syntaxError(file, lineNo, 'empty section name');
      state.section = name;
      continue;
    }

    const eq = raw.indexOf('=');
    if (eq < 0) throw syntaxError(file, lineNo, `expecting '=' after '${raw}'`);
    const key = raw.slice(0, eq).trim();
    if (!/^[A-Za-z0-9_.]+(\[[^\]]*\])?$/.test(key)) throw syntaxError(file, lineNo, `invalid key '${key}'`);
    const value = parseValue(raw.slice(eq + 1), file, lineNo, options.env);

    if (key === 'include') {
      const pattern = path.isAbsolute(value) ? value : path.join(options.prefix, value);
      const matches = globFiles(pattern);
      if (matches === null) throw includeFailed(pattern, file, lineNo);
      // fpm_conf_load_ini_file(): GLOB_NOMATCH is a WARNING and the load goes on, for a plain
      // file name as for a pattern.
      if (matches.length === 0) options.warn(`Nothing matches the include pattern '${pattern}' from ${file} at line ${lineNo}.`);
      for (const match of matches) readInto(match, options, out, state, seen);
      continue;
    }
    out.push({ section: state.section, key, value, file, line: lineNo });
  }
  seen.delete(real);
}

function parseValue(text: string, file: string, line: number, env: NodeJS.ProcessEnv): string {
  let s = text.trim();
  if (s.startsWith('"')) {
    let out = '';
    let i = 1;
    for (; i < s.length && s[i] !== '"'; i++) {
      if (s[i] === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\')) i++;
      out += s[i];
    }
    if (i >= s.length) throw syntaxError(file, line, 'unterminated string');
    return expandEnv(out, env);
  }
  if (s.startsWith("'")) {
    const end = s.indexOf("'", 1);
    if (end < 0) throw syntaxError(file, line, 'unterminated string');
    return s.slice(1, end);
  }
  const comment = s.indexOf(';');
  if (comment >= 0) s = s.slice(0, comment).trimEnd();
  const lower = s.toLowerCase();
  if (TRUE_WORDS.has(lower)) return '1';
  if (FALSE_WORDS.has(lower)) return '';
  return expandEnv(s, env);
}

function expandEnv(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => env[name] ?? '');
}

/**
 * Minimal glob for include lines: `*`, `?` and `[...]` in the last path component. Null when the
 * directory of a pattern cannot be read (glob(3) with GLOB_ERR: GLOB_ABORTED).
 */
function globFiles(pattern: string): string[] | null {
  const dir = path.dirname(pattern);
  const base = path.basename(pattern);
  if (!/[*?[]/.test(base)) return fs.existsSync(pattern) ? [pattern] : [];
  const re = new RegExp(
    '^' + base.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$',
  );
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return null;
  }
  return names
    .filter((n) => !n.startsWith('.') && re.test(n))
    .sort()
    .map((n) => path.join(dir, n));
}
