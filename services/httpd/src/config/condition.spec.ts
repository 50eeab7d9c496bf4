// Tests of condition matching (configfile-glue.c semantics) and lighttpd's regex simplification.
import { compileConditionRegex, evaluateCondition, simplifyRegex } from './condition';
import { parseConfigString } from './parser';
import type { Condition } from './tree';

const cond = (line: string): Condition => {
  const t = parseConfigString(`${line} {}\n`, 'test.conf', { env: {}, cwd: '/', pid: 1 });
  return t.conditionals[0]?.condition as Condition;
};

describe('simplifyRegex', () => {
  it.each([
    ['^/foo$', '==', '/foo'],
    ['^/foo', '=^', '/foo'],
    ['\\.php$', '=$', '.php'],
    ['html$', '=$', 'html'],
    ['^/a\\.b', '=~', '^/a\\.b'],
    ['^/(a|b)$', '=~', '^/(a|b)$'],
    ['foo', '=~', 'foo'],
  ])('%s -> %s %s', (pattern, operator, simplified) => {
    expect(simplifyRegex(pattern)).toEqual({ operator, pattern: simplified });
  });
});

describe('evaluateCondition', () => {
  it('compares with every operator', () => {
    expect(evaluateCondition(cond('$HTTP["host"] == "a.org"'), 'a.org').matched).toBe(true);
    expect(evaluateCondition(cond('$HTTP["host"] != "a.org"'), 'a.org').matched).toBe(false);
    expect(evaluateCondition(cond('$HTTP["url"] =^ "/static/"'), '/static/x.css').matched).toBe(true);
    expect(evaluateCondition(cond('$HTTP["url"] =$ ".css"'), '/static/x.js').matched).toBe(false);
    expect(evaluateCondition(cond('$HTTP["url"] !~ "^/adm"'), '/admin').matched).toBe(false);
  });

  it('returns regex captures for %0..%9', () => {
    const r = evaluateCondition(cond('$HTTP["host"] =~ "^([^.]+)\\.(example)\\.org"'), 'shop.example.org');
    expect(r).toEqual({ matched: true, captures: ['shop.example.org', 'shop', 'example'] });
  });

  it('treats a missing header as the empty string', () => {
    expect(evaluateCondition(cond('$REQUEST_HEADER["X-Token"] == ""'), undefined).matched).toBe(true);
  });

  it('matches remote-ip against CIDR networks', () => {
    const c = cond('$HTTP["remoteip"] == "10.0.0.0/8"');
    expect(evaluateCondition(c, '10.1.2.3').matched).toBe(true);
    expect(evaluateCondition(c, '192.168.1.1').matched).toBe(false);
    expect(evaluateCondition(cond('$HTTP["remoteip"] != "::1/128"'), '::1').matched).toBe(false);
  });

  it('turns a leading (?i) into a case-insensitive RegExp', () => {
    const r = compileConditionRegex('(?i)^/Foo');
    expect(r.ok && r.regex.test('/foo')).toBe(true);
  });
});

describe('host and remote-ip patterns', () => {
  it('compares hosts case-insensitively but prints them as written', () => {
    const c = cond('$HTTP["host"] == "Example.ORG"');
    expect(c.text).toBe('$HTTP["host"] == "Example.ORG"');
    expect(evaluateCondition(c, 'example.org').matched).toBe(true);
  });

  it('normalises remote-ip patterns and rejects what is not an address, like lighttpd', () => {
    expect(cond('$HTTP["remoteip"] != "[::1]"').pattern).toBe('::1');
    expect(cond('$HTTP["remoteip"] == "::FFFF:1.2.3.4"').pattern).toBe('::ffff:1.2.3.4');
    expect(() => cond('$HTTP["remoteip"] == "bogus"')).toThrow(/invalid IP addr: bogus/);
    expect(() => cond('$HTTP["remoteip"] == "010.1.1.1"')).toThrow(/invalid IP addr/);
    // "^192" is simplified to =^ "192" before the check, so upstream rejects it too
    expect(() => cond('$HTTP["remoteip"] =~ "^192"')).toThrow(/invalid IP addr: 192/);
    expect(cond('$HTTP["remoteip"] =~ "^192\\\\.168\\\\."').operator).toBe('=~');
  });
});
