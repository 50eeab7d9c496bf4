// Parser for the lighttpd.conf language: the grammar of lighttpd 1.4.69's src/configparser.y
// (varline, condlines with else chains, global, include, include_shell) as recursive descent.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  conditionError,
  configOpenFailed,
  includeError,
  syntaxError,
  valueError,
  type SourceLocation,
} from './errors';
import { glob, hasGlobMeta } from './glob';
import { compileConditionRegex, normalizeRemoteIp, simplifyRegex } from './condition';
import { Tokenizer, describeToken, type Token, type TokenKind } from './tokenizer';
import type { Condition, ConditionOperator, ConditionSubject, ConfigContext, ConfigTree, Directive } from './tree';
import { arr, int, mergeValues, str, type ConfigArrayItem, type ConfigValue } from './values';

export interface ParseOptions {
  /** Environment for `env.NAME` and include_shell (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Working directory for relative paths and var.CWD (default: process.cwd()). */
  readonly cwd?: string;
  /** var.PID (default: process.pid). */
  readonly pid?: number;
  /** Shell for include_shell (default: /bin/sh). */
  readonly shell?: string;
}

/** Includes nested deeper than this are a loop, not a configuration. */
const MAX_INCLUDE_DEPTH = 32;

interface ContextBuilder {
  index: number;
  key: string;
  kind: 'global' | 'condition' | 'else';
  condition: Condition | null;
  /** The condition's right-hand side as written (after regex simplification), for keying else blocks. */
  written: string;
  parent: ContextBuilder | null;
  prev: ContextBuilder | null;
  next: ContextBuilder | null;
  children: ContextBuilder[];
  directives: Map<string, Directive>;
  file: string;
  line: number;
}

const OPERATORS: Partial<Record<TokenKind, ConditionOperator>> = {
  EQ: '==',
  NE: '!=',
  MATCH: '=~',
  NOMATCH: '!~',
  PREFIX: '=^',
  SUFFIX: '=$',
};

/** The operator an `else { }` block stands for, used to key it like upstream does. */
const NEGATED: Record<ConditionOperator, string> = { '==': '!=', '!=': '==', '=~': '!~', '!~': '=~', '=^': '!^', '=$': '!$' };

const HTTP_FIELDS: Readonly<Record<string, ConditionSubject>> = {
  url: { kind: 'url' },
  host: { kind: 'host' },
  referer: { kind: 'request-header', name: 'Referer' },
  useragent: { kind: 'request-header', name: 'User-Agent' },
  'user-agent': { kind: 'request-header', name: 'User-Agent' },
  language: { kind: 'request-header', name: 'Accept-Language' },
  cookie: { kind: 'request-header', name: 'Cookie' },
  remoteip: { kind: 'remote-ip' },
  'remote-ip': { kind: 'remote-ip' },
  querystring: { kind: 'query-string' },
  'query-string': { kind: 'query-string' },
  'request-method': { kind: 'request-method' },
  scheme: { kind: 'scheme' },
};

function conditionSubject(object: string, tag: string): ConditionSubject | null {
  if (object === 'REQUEST_HEADER') return { kind: 'request-header', name: tag };
  if (object === 'SERVER') return tag === 'socket' ? { kind: 'server-socket' } : null;
  if (object === 'HTTP') return HTTP_FIELDS[tag] ?? null;
  return null;
}

class Parser {
  readonly contexts: ContextBuilder[] = [];
  readonly files: string[] = [];
  readonly notes: string[] = [];
  private readonly byKey = new Map<string, ContextBuilder>();
  private readonly stack: ContextBuilder[] = [];
  private current: ContextBuilder;
  private depth = 0;
  private tokens!: Tokenizer;
  private source = '';
  private look: Token[] = [];

  constructor(
    private readonly basedir: string,
    private readonly opts: Required<ParseOptions>,
    mainFile: string,
  ) {
    this.current = this.newContext('global', 'global', null, { file: mainFile, line: 0 });
    const builtin = { file: '<builtin>', line: 0 };
    this.set('var.CWD', str(opts.cwd), builtin);
    this.set('var.PID', int(opts.pid), builtin);
  }

  private newContext(key: string, kind: ContextBuilder['kind'], condition: Condition | null, loc: SourceLocation): ContextBuilder {
    const c: ContextBuilder = {
      index: this.contexts.length,
      key,
      kind,
      condition,
      written: '',
      parent: kind === 'global' ? null : this.current,
      prev: null,
      next: null,
      children: [],
      directives: new Map(),
      file: loc.file,
      line: loc.line,
    };
    this.contexts.push(c);
    this.byKey.set(key, c);
    c.parent?.children.push(c);
    return c;
  }

  private set(key: string, value: ConfigValue, loc: SourceLocation): void {
    this.current.directives.set(key, { key, value, file: loc.file, line: loc.line });
  }

  // --- token stream -------------------------------------------------------------------------

  private peek(n = 0): Token {
    while (this.look.length <= n) this.look.push(this.tokens.next());
    return this.look[n] as Token;
  }

  private take(): Token {
    const t = this.peek();
    this.look.shift();
    return t;
  }

  private loc(t: Token): SourceLocation {
    return { file: this.source, line: t.line };
  }

  /** Allman-style braces: lighttpd also accepts a newline before "{". */
  private expectLCurly(what: string): void {
    while (this.peek().kind === 'EOL') this.take();
    this.expect('LCURLY', what);
  }

  private expect(kind: TokenKind, what: string): Token {
    const t = this.take();
    if (t.kind !== kind) throw syntaxError(this.loc(t), `expected ${what}, got ${describeToken(t)}`);
    return t;
  }

  // --- files ----------------------------------------------------------------------------------

  parseText(text: string, source: string): void {
    if (this.depth >= MAX_INCLUDE_DEPTH) {
      throw includeError({ file: this.source, line: this.peek().line }, `includes nested deeper than ${MAX_INCLUDE_DEPTH} levels (include loop?)`);
    }
    const saved = { tokens: this.tokens, source: this.source, look: this.look };
    this.tokens = new Tokenizer(text, source);
    this.source = source;
    this.look = [];
    this.depth++;
    try {
      this.metalines(false);
    } finally {
      this.depth--;
      this.tokens = saved.tokens;
      this.source = saved.source;
      this.look = saved.look;
    }
  }

  parseFile(file: string, loc: SourceLocation | null): void {
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(this.opts.cwd, file), 'utf8');
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).message;
      if (loc === null) throw configOpenFailed(file, reason);
      throw includeError(loc, `opening configfile ${file} failed: ${reason}`);
    }
    this.files.push(file);
    this.parseText(text, file);
  }

  // --- grammar --------------------------------------------------------------------------------

  /** metalines: statements until `}` (inside a block) or end of file. */
  private metalines(inBlock: boolean): void {
    for (;;) {
      const t = this.peek();
      switch (t.kind) {
        case 'EOF':
          if (inBlock) throw syntaxError(this.loc(t), 'expected "}" to close the block, got end of file');
          return;
        case 'RCURLY':
          if (inBlock) return;
          throw syntaxError(this.loc(t), 'unexpected "}" with no open block');
        case 'EOL':
          this.take();
          break;
        case 'LKEY':
          this.varline();
          break;
        case 'GLOBAL':
          this.globalBlock();
          break;
        case 'DOLLAR':
          this.condlines();
          break;
        case 'INCLUDE':
        case 'INCLUDE_SHELL':
          this.include();
          break;
        default:
          throw syntaxError(this.loc(t), `expected a directive, a condition, include or global, got ${describeToken(t)}`);
      }
    }
  }

  private normalizeKey(name: string): string {
    return name.includes('.') ? name : `var.${name}`;
  }

  private varline(): void {
    const keyTok = this.take();
    const key = this.normalizeKey(keyTok.text);
    const loc = this.loc(keyTok);
    const op = this.take();
    if (op.kind !== 'ASSIGN' && op.kind !== 'FORCE_ASSIGN' && op.kind !== 'APPEND') {
      throw syntaxError(this.loc(op), `expected "=", ":=" or "+=" after "${key}", got ${describeToken(op)}`);
    }
    const value = this.expression();
    if (key.startsWith('env.')) {
      throw valueError(loc, `setting env variable is not supported: ${key}`);
    }
    const here = this.current.directives.get(key);
    if (op.kind === 'ASSIGN') {
      if (here !== undefined) {
        throw valueError(loc, `duplicate config variable "${key}" (already set in ${here.file}:${here.line}; use := to replace it or += to append)`);
      }
      this.set(key, value, loc);
      return;
    }
    if (op.kind === 'FORCE_ASSIGN') {
      this.set(key, value, loc);
      return;
    }
    const base = here?.value ?? this.lookup(key)?.value;
    const merged = base === undefined ? value : this.merge(base, value, loc);
    if (here !== undefined) this.extract(key);
    this.set(key, merged, loc);
  }

  /**
   * Removes a key the way lighttpd's array_extract_element() does: the last entry takes its slot.
   * `+=` then appends the merged value, so `-p` lists keys in upstream's order.
   */
  private extract(key: string): void {
    const entries = [...this.current.directives.entries()];
    const idx = entries.findIndex(([k]) => k === key);
    const last = entries.pop();
    if (last !== undefined && idx < entries.length) entries[idx] = last;
    this.current.directives.clear();
    for (const [k, v] of entries) this.current.directives.set(k, v);
  }

  private merge(a: ConfigValue, b: ConfigValue, loc: SourceLocation): ConfigValue {
    const r = mergeValues(a, b);
    if (!r.ok) throw valueError(loc, r.reason);
    for (const n of r.notes) this.notes.push(`${n} in ${loc.file}:${loc.line}`);
    return r.value;
  }

  private lookup(key: string): Directive | undefined {
    for (let c: ContextBuilder | null = this.current; c !== null; c = c.parent) {
      const d = c.directives.get(key);
      if (d !== undefined) return d;
    }
    return undefined;
  }

  /** expression: value ( "+" value )* */
  private expression(): ConfigValue {
    let v = this.value();
    while (this.peek().kind === 'PLUS') {
      const plus = this.take();
      v = this.merge(v, this.value(), this.loc(plus));
    }
    return v;
  }

  private value(): ConfigValue {
    const t = this.take();
    switch (t.kind) {
      case 'STRING':
        return str(t.text);
      case 'INTEGER': {
        const n = Number(t.text);
        // lighttpd keeps integers in a C int
        if (n > 2147483647) throw valueError(this.loc(t), `error parsing number: '${t.text}' (larger than 2147483647)`);
        return int(n);
      }
      case 'LKEY':
        return this.variable(t);
      case 'LPARAN':
        return this.array();
      default:
        throw syntaxError(this.loc(t), `expected a value (string, number, ( array ) or variable), got ${describeToken(t)}`);
    }
  }

  private variable(t: Token): ConfigValue {
    const key = this.normalizeKey(t.text);
    if (key.startsWith('env.')) {
      const v = this.opts.env[key.slice(4)];
      if (v === undefined) throw valueError(this.loc(t), `undefined env variable: ${key.slice(4)}`);
      return str(v);
    }
    const d = this.lookup(key);
    if (d === undefined) throw valueError(this.loc(t), `undefined config variable: ${key}`);
    return d.value;
  }

  /** array: "(" [ element ( "," element? )* ] ")" where element is expr or expr "=>" expr. */
  private array(): ConfigValue {
    const items: ConfigArrayItem[] = [];
    if (this.peek().kind === 'RPARAN') {
      this.take();
      return arr(items);
    }
    for (;;) {
      const first = this.peek();
      const e = this.expression();
      let item: ConfigArrayItem;
      if (this.peek().kind === 'ARRAY_ASSIGN') {
        this.take();
        const key = this.stringop(e, first);
        item = { key, value: this.expression() };
        if (items.some((i) => i.key === key)) {
          throw valueError(this.loc(first), `duplicate array-key: ${key}. Please get rid of the duplicate entry`);
        }
      } else {
        item = { key: null, value: e };
      }
      items.push(item);
      let t = this.take();
      if (t.kind === 'RPARAN') return arr(items);
      if (t.kind !== 'COMMA') throw syntaxError(this.loc(t), `expected "," or ")" in array, got ${describeToken(t)}`);
      while (this.peek().kind === 'COMMA') this.take();
      if (this.peek().kind === 'RPARAN') {
        t = this.take();
        return arr(items);
      }
    }
  }

  /** A string or an integer (stringified), as upstream's `stringop`. */
  private stringop(v: ConfigValue, at: Token): string {
    if (v.type === 'string') return v.value;
    if (v.type === 'integer') return String(v.value);
    throw valueError(this.loc(at), 'operand must be a string, got an array');
  }

  private globalBlock(): void {
    const g = this.take();
    if (this.stack.length > 0) throw syntaxError(this.loc(g), 'global { } is only allowed outside conditions');
    this.expectLCurly('"{" after global');
    this.stack.push(this.current);
    this.current = this.contexts[0] as ContextBuilder;
    this.metalines(true);
    this.take();
    this.current = this.stack.pop() as ContextBuilder;
  }

  /** condlines: condline ( EOL? else ( condline | block ) )* EOL */
  private condlines(): void {
    let prev = this.condline(null);
    for (;;) {
      const t = this.peek();
      if (t.kind === 'ELSE' || (t.kind === 'EOL' && this.peek(1).kind === 'ELSE')) {
        if (t.kind === 'EOL') this.take();
        const elseTok = this.take();
        if (prev.kind === 'else') throw valueError(this.loc(elseTok), 'unreachable condition following else catch-all');
        while (this.peek().kind === 'EOL') this.take();
        prev = this.peek().kind === 'DOLLAR' ? this.condline(prev) : this.elseBlock(prev, elseTok);
        continue;
      }
      if (t.kind === 'EOL') {
        this.take();
        return;
      }
      if (t.kind === 'EOF') return;
      throw syntaxError(this.loc(t), `expected end of line after "}", got ${describeToken(t)}`);
    }
  }

  private condline(prev: ContextBuilder | null): ContextBuilder {
    const dollar = this.expect('DOLLAR', '"$"');
    const loc = this.loc(dollar);
    if (this.current.kind === 'global' && this.stack.length > 0) {
      throw syntaxError(loc, 'cannot use conditionals inside a global { ... } block');
    }
    const object = this.expect('SRVVARNAME', 'a condition name like HTTP after "$"').text;
    this.expect('LBRACKET', `"[" after $${object}`);
    const tagTok = this.peek();
    const tag = this.stringop(this.expression(), tagTok);
    this.expect('RBRACKET', `"]" after $${object}["${tag}"`);
    const opTok = this.take();
    let operator = OPERATORS[opTok.kind];
    if (operator === undefined) {
      throw syntaxError(this.loc(opTok), `expected ==, !=, =~, !~, =^ or =$ after $${object}["${tag}"], got ${describeToken(opTok)}`);
    }
    const rvTok = this.peek();
    const rv = this.expression();
    if (rv.type !== 'string') throw valueError(this.loc(rvTok), `rvalue of $${object}["${tag}"] must be a string`);
    const subject = conditionSubject(object, tag);
    if (subject === null) throw conditionError(loc, `unknown condition $${object}["${tag}"]`);
    let pattern = rv.value;
    if (operator === '=~' && subject.kind !== 'server-socket') {
      const s = simplifyRegex(pattern);
      operator = s.operator;
      pattern = s.pattern;
    }
    const text = `$${object}["${tag}"] ${operator} "${pattern}"`;
    // the text (and block key) keeps what was written; the compare string is normalised
    const plainCompare = operator === '==' || operator === '!=' || operator === '=^' || operator === '=$';
    let compare = pattern;
    if (plainCompare && subject.kind === 'host') compare = pattern.toLowerCase();
    if (plainCompare && subject.kind === 'remote-ip') {
      const ip = normalizeRemoteIp(pattern);
      if (ip === null) throw conditionError(loc, `invalid IP addr: ${pattern}`);
      compare = ip;
    }
    const key = `${this.current.key} / ${text}`;
    let ctx = this.byKey.get(key);
    if (ctx === undefined) {
      let regex: RegExp | null = null;
      if (operator === '=~' || operator === '!~') {
        const compiled = compileConditionRegex(pattern);
        if (!compiled.ok) throw conditionError(loc, `invalid regex in ${text}: ${compiled.reason}`);
        regex = compiled.regex;
      }
      ctx = this.newContext(key, 'condition', { object, tag, subject, operator, pattern: compare, regex, text }, loc);
      ctx.written = pattern;
    }
    if (prev !== null) {
      if (ctx.index <= prev.index) throw valueError(loc, `unreachable else condition ${text}`);
      ctx.prev = prev;
      prev.next = ctx;
    }
    this.block(ctx);
    return ctx;
  }

  private elseBlock(prev: ContextBuilder, elseTok: Token): ContextBuilder {
    const loc = this.loc(elseTok);
    const cond = prev.condition as Condition;
    const key = `${this.current.key} / $${cond.object}["${cond.tag}"] ${NEGATED[cond.operator]} "${prev.written}"`;
    if (this.byKey.has(key)) throw valueError(loc, 'unreachable else condition');
    const ctx = this.newContext(key, 'else', null, loc);
    ctx.prev = prev;
    prev.next = ctx;
    this.block(ctx);
    return ctx;
  }

  private block(ctx: ContextBuilder): void {
    this.expectLCurly('"{" to open the block');
    this.stack.push(this.current);
    this.current = ctx;
    this.metalines(true);
    this.take();
    this.current = this.stack.pop() as ContextBuilder;
  }

  private include(): void {
    const kw = this.take();
    const loc = this.loc(kw);
    const argTok = this.peek();
    const arg = this.stringop(this.expression(), argTok);
    if (kw.kind === 'INCLUDE') this.includeFiles(arg, loc);
    else this.includeShell(arg, loc);
  }

  /** Relative names resolve against the main config file's directory (upstream's basedir), unless ./ or ../ */
  private includeFiles(name: string, loc: SourceLocation): void {
    const explicit = /^(\/|\\|\.\/|\.\\|\.\.\/|\.\.\\)/.test(name);
    const pattern = explicit ? name : this.basedir + name;
    const matches = glob(pattern, this.opts.cwd);
    if (matches.length === 0) {
      // a glob matching nothing is fine (conf.d/*.conf with an empty conf.d)
      if (hasGlobMeta(pattern)) return;
      throw includeError(loc, `include file not found: ${pattern}`);
    }
    for (const file of matches) this.parseFile(file, loc);
  }

  private includeShell(cmd: string, loc: SourceLocation): void {
    const cwd = this.basedir === '' ? this.opts.cwd : path.resolve(this.opts.cwd, this.basedir);
    const r = spawnSync(this.opts.shell, ['-c', cmd], {
      cwd,
      env: this.opts.env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 32 * 1024 * 1024,
    });
    if (r.error !== undefined) throw includeError(loc, `include_shell "${cmd}" failed: ${r.error.message}`);
    if (r.status !== 0) {
      const how = r.status === null ? `was killed by ${r.signal ?? 'a signal'}` : `exited non-zero: ${r.status}`;
      throw includeError(loc, `command "${cmd}" ${how}`);
    }
    this.parseText(r.stdout, cmd);
  }
}

function freeze(b: ContextBuilder[], mainFile: string, files: string[], notes: string[]): ConfigTree {
  const captureOf = (c: ContextBuilder | null): number | null => {
    for (let x = c; x !== null; x = x.parent) if (x.condition?.operator === '=~') return x.index;
    return null;
  };
  const contexts: ConfigContext[] = b.map((c) =>
    Object.freeze({
      index: c.index,
      kind: c.kind,
      condition: c.condition === null ? null : Object.freeze({ ...c.condition, subject: Object.freeze({ ...c.condition.subject }) }),
      parent: c.parent?.index ?? null,
      prev: c.prev?.index ?? null,
      next: c.next?.index ?? null,
      children: Object.freeze(c.children.map((x) => x.index)),
      captureContext: captureOf(c),
      directives: freezeMap(c.directives),
      file: c.file,
      line: c.line,
    }),
  );
  return Object.freeze({
    mainFile,
    files: Object.freeze([...files]),
    contexts: Object.freeze(contexts),
    global: contexts[0] as ConfigContext,
    conditionals: Object.freeze(contexts.slice(1)),
    notes: Object.freeze([...notes]),
  });
}

/** A Map whose mutators throw, so the tree handed to plugins stays as parsed. */
function freezeMap<K, V>(m: Map<K, V>): ReadonlyMap<K, V> {
  const copy = new Map(m);
  const deny = (): never => {
    throw new TypeError('configuration tree is read-only');
  };
  Object.defineProperties(copy, { set: { value: deny }, delete: { value: deny }, clear: { value: deny } });
  return Object.freeze(copy);
}

function resolveOptions(o: ParseOptions): Required<ParseOptions> {
  return { env: o.env ?? process.env, cwd: o.cwd ?? process.cwd(), pid: o.pid ?? process.pid, shell: o.shell ?? '/bin/sh' };
}

/** upstream's basedir: everything up to the last "/" of the main file name, as given. */
const basedirOf = (file: string): string => {
  const slash = file.lastIndexOf('/');
  return slash < 0 ? '' : file.slice(0, slash + 1);
};

/** Parses a config file and everything it includes. Throws ConfigError on the first error. */
export function parseConfigFile(file: string, options: ParseOptions = {}): ConfigTree {
  const opts = resolveOptions(options);
  const p = new Parser(basedirOf(file), opts, file);
  p.parseFile(file, null);
  return freeze(p.contexts, file, p.files, p.notes);
}

/**
 * Parses config text; `source` names it in messages and sets the base directory for includes
 * (`-` for standard input, as `lighttpd -f -`).
 */
export function parseConfigString(text: string, source = '-', options: ParseOptions = {}): ConfigTree {
  const opts = resolveOptions(options);
  const p = new Parser(source === '-' ? '' : basedirOf(source), opts, source);
  p.parseText(text, source);
  return freeze(p.contexts, source, [], p.notes);
}

