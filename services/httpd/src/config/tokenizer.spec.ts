// Tests of the tokenizer's modes (keys, ( ) lists, conditions) and line counting.
import { Tokenizer, type Token } from './tokenizer';

function all(text: string): Token[] {
  const t = new Tokenizer(text, 'x.conf');
  const out: Token[] = [];
  for (let tok = t.next(); tok.kind !== 'EOF'; tok = t.next()) out.push(tok);
  return out;
}

describe('Tokenizer', () => {
  it('folds blank lines and comment lines into one EOL and ignores newlines inside ( )', () => {
    expect(all('a = (\n "x",\n\n "y" )\n\n# c\n\nb += 1').map((t) => t.kind)).toEqual([
      'LKEY', 'ASSIGN', 'LPARAN', 'STRING', 'COMMA', 'STRING', 'RPARAN', 'EOL', 'LKEY', 'APPEND', 'INTEGER',
    ]);
  });

  it('reads condition operators only after $', () => {
    const toks = all('$HTTP["url"] =~ "^/a" {\n}\nelse $HTTP["url"] =$ ".x" {}');
    expect(toks.map((t) => t.kind)).toEqual([
      'DOLLAR', 'SRVVARNAME', 'LBRACKET', 'STRING', 'RBRACKET', 'MATCH', 'STRING', 'LCURLY', 'EOL', 'RCURLY', 'EOL',
      'ELSE', 'DOLLAR', 'SRVVARNAME', 'LBRACKET', 'STRING', 'RBRACKET', 'SUFFIX', 'STRING', 'LCURLY', 'RCURLY',
    ]);
    expect(toks[9]?.line).toBe(2);
    expect(toks[11]?.line).toBe(3);
  });

  it('inserts an EOL after "}" when more follows on the same line', () => {
    expect(all('$HTTP["a"] == "b" { x = 1 } y = 2').map((t) => t.kind)).toContain('EOL');
  });

  it('recognises keywords and := ', () => {
    expect(all('include "a" include_shell "b" global x := 1').map((t) => t.kind)).toEqual([
      'INCLUDE', 'STRING', 'INCLUDE_SHELL', 'STRING', 'GLOBAL', 'LKEY', 'FORCE_ASSIGN', 'INTEGER',
    ]);
  });
});
