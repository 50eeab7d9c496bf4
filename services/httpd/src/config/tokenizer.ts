// Tokenizer for the lighttpd.conf language, the same state machine as lighttpd 1.4's
// configfile.c config_tokenizer(): newlines are tokens outside ( ), `$` switches to condition mode.
import { syntaxError } from './errors';

export type TokenKind =
  | 'EOL'
  | 'EOF'
  | 'ASSIGN'
  | 'FORCE_ASSIGN'
  | 'APPEND'
  | 'PLUS'
  | 'ARRAY_ASSIGN'
  | 'COMMA'
  | 'STRING'
  | 'INTEGER'
  | 'LKEY'
  | 'LPARAN'
  | 'RPARAN'
  | 'LCURLY'
  | 'RCURLY'
  | 'LBRACKET'
  | 'RBRACKET'
  | 'DOLLAR'
  | 'SRVVARNAME'
  | 'EQ'
  | 'NE'
  | 'MATCH'
  | 'NOMATCH'
  | 'PREFIX'
  | 'SUFFIX'
  | 'INCLUDE'
  | 'INCLUDE_SHELL'
  | 'GLOBAL'
  | 'ELSE';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
}

const KEYWORDS: Readonly<Record<string, TokenKind>> = {
  include: 'INCLUDE',
  include_shell: 'INCLUDE_SHELL',
  global: 'GLOBAL',
  else: 'ELSE',
};

/** Human wording of a token in "expected X, got Y" messages. */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'EOL':
      return 'end of line';
    case 'EOF':
      return 'end of file';
    case 'STRING':
      return `string "${t.text}"`;
    case 'INTEGER':
      return `number ${t.text}`;
    case 'LKEY':
      return `name "${t.text}"`;
    case 'SRVVARNAME':
      return `condition name "${t.text}"`;
    default:
      return `"${t.text}"`;
  }
}

const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isKeyChar = (c: string): boolean => isAlpha(c) || isDigit(c) || c === '.' || c === '_' || c === '-';

export class Tokenizer {
  private offset = 0;
  private line = 1;
  private inKey = true;
  private inBrace = 0;
  private inCond = false;
  private simulateEol = false;

  constructor(
    private readonly input: string,
    private readonly source: string,
  ) {}

  private fail(detail: string): never {
    throw syntaxError({ file: this.source, line: this.line }, detail);
  }

  private tok(kind: TokenKind, text: string, line = this.line): Token {
    return { kind, text, line };
  }

  private skipComment(): void {
    while (this.offset < this.input.length && this.input[this.offset] !== '\n' && this.input[this.offset] !== '\r') {
      this.offset++;
    }
  }

  private skipNewline(): void {
    if (this.input[this.offset] === '\r' && this.input[this.offset + 1] === '\n') this.offset++;
    this.offset++;
    this.line++;
  }

  next(): Token {
    if (this.simulateEol) {
      this.simulateEol = false;
      this.inKey = true;
      return this.tok('EOL', '(EOL)');
    }
    const s = this.input;
    while (this.offset < s.length) {
      const c = s[this.offset] as string;
      const c1 = s[this.offset + 1] ?? '';
      const line = this.line;
      switch (c) {
        case ' ':
        case '\t':
        case '\u00a0': // lighttpd treats U+00A0 NO-BREAK SPACE as whitespace
          this.offset++;
          continue;
        case '\n':
        case '\r':
          if (this.inBrace > 0) {
            this.skipNewline();
            continue;
          }
          // one EOL token for a run of newlines, blanks and comment lines
          for (;;) {
            const d = s[this.offset];
            if (d === '\n' || d === '\r') this.skipNewline();
            else if (d === '#') this.skipComment();
            else if (d === ' ' || d === '\t' || d === '\u00a0') this.offset++;
            else break;
          }
          this.inKey = true;
          return this.tok('EOL', '(EOL)', line);
        case '#':
          this.skipComment();
          continue;
        case ',':
          this.offset++;
          // outside ( ) upstream skips commas silently
          if (this.inBrace > 0) return this.tok('COMMA', ',');
          continue;
        case '=':
          if (this.inBrace > 0) {
            if (c1 !== '>') this.fail('use => for assignments in arrays');
            this.offset += 2;
            return this.tok('ARRAY_ASSIGN', '=>');
          }
          if (this.inCond) {
            const op = { '=': 'EQ', '~': 'MATCH', '^': 'PREFIX', $: 'SUFFIX' }[c1] as TokenKind | undefined;
            if (op === undefined) this.fail('only ==, =~, =^, =$, != and !~ are allowed in a condition');
            this.offset += 2;
            this.inKey = true;
            this.inCond = false;
            return this.tok(op, c + c1);
          }
          if (!this.inKey) this.fail('unexpected equal-sign: =');
          this.offset++;
          return this.tok('ASSIGN', '=');
        case '!':
          if (!this.inCond) this.fail('unexpected exclamation-mark: !');
          if (c1 !== '=' && c1 !== '~') this.fail('only ==, =~, =^, =$, != and !~ are allowed in a condition');
          this.offset += 2;
          this.inKey = true;
          this.inCond = false;
          return this.tok(c1 === '=' ? 'NE' : 'NOMATCH', c + c1);
        case '"':
          return this.string();
        case '(':
          this.offset++;
          this.inBrace++;
          return this.tok('LPARAN', '(');
        case ')':
          this.offset++;
          this.inBrace--;
          return this.tok('RPARAN', ')');
        case '$':
          this.offset++;
          this.inCond = true;
          this.inKey = false;
          return this.tok('DOLLAR', '$');
        case '+':
          if (c1 === '=') {
            this.offset += 2;
            return this.tok('APPEND', '+=');
          }
          this.offset++;
          return this.tok('PLUS', '+');
        case ':':
          if (c1 !== '=') this.fail("unexpected character ':'");
          this.offset += 2;
          return this.tok('FORCE_ASSIGN', ':=');
        case '{':
          this.offset++;
          return this.tok('LCURLY', '{');
        case '}':
          this.offset++;
          this.afterRCurly();
          return this.tok('RCURLY', '}', line);
        case '[':
          this.offset++;
          return this.tok('LBRACKET', '[');
        case ']':
          this.offset++;
          return this.tok('RBRACKET', ']');
        default:
          return this.word(c);
      }
    }
    return this.tok('EOF', '(EOF)');
  }

  /** `}` followed by more on the same line acts as if a newline followed it. */
  private afterRCurly(): void {
    const s = this.input;
    while (this.offset < s.length) {
      const c = s[this.offset];
      if (c === '\r' || c === '\n') return;
      if (c === '#') {
        this.skipComment();
        return;
      }
      if (c !== ' ' && c !== '\t') {
        this.simulateEol = true;
        return;
      }
      this.offset++;
    }
  }

  /** Only `\"` is an escape; every other backslash stays as written (upstream behaviour). */
  private string(): Token {
    const s = this.input;
    const line = this.line;
    let out = '';
    let i = this.offset + 1;
    for (; i < s.length; i++) {
      const c = s[i];
      if (c === '\\' && s[i + 1] === '"') {
        out += '"';
        i++;
        continue;
      }
      if (c === '"') {
        // newlines inside strings still count for line numbers
        this.line += countNewlines(s, this.offset, i);
        this.offset = i + 1;
        return this.tok('STRING', out, line);
      }
      out += c;
    }
    this.fail('missing closing quote');
  }

  private word(c: string): Token {
    const s = this.input;
    let i = this.offset;
    if (this.inCond) {
      while (i < s.length && (isAlpha(s[i] as string) || s[i] === '_')) i++;
      if (i === this.offset) this.fail(`invalid character in condition: '${c}'`);
      const text = s.slice(this.offset, i);
      this.offset = i;
      return this.tok('SRVVARNAME', text);
    }
    if (isDigit(c)) {
      while (i < s.length && isDigit(s[i] as string)) i++;
      const text = s.slice(this.offset, i);
      this.offset = i;
      return this.tok('INTEGER', text);
    }
    while (i < s.length && isKeyChar(s[i] as string)) i++;
    if (i === this.offset) this.fail(`invalid character in variable name: '${c}'`);
    const text = s.slice(this.offset, i);
    this.offset = i;
    return this.tok(KEYWORDS[text] ?? 'LKEY', text);
  }
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    if (s[i] === '\n' || (s[i] === '\r' && s[i + 1] !== '\n')) n++;
  }
  return n;
}
