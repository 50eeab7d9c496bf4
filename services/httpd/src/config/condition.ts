// Conditions of $HTTP[...] blocks: upstream's regex simplification (configparser.y
// configparser_simplify_regex) and the match rules of configfile-glue.c config_check_cond_nocache.
import net from 'node:net';
import type { Condition, ConditionOperator } from './tree';

const REGEX_CHARS = '\\^$.|?*+()[]{}';

/**
 * lighttpd turns simple anchored regexes into cheaper compares at parse time:
 * "^/foo$" -> == "/foo", "^/foo" -> =^ "/foo", "\.php$" -> =$ ".php". `lighttpd -p` shows the result.
 */
export function simplifyRegex(pattern: string): { operator: ConditionOperator; pattern: string } {
  let len = pattern.length;
  let operator: ConditionOperator;
  let off = 0;
  if (len > 0 && pattern[len - 1] === '$') {
    operator = '=$';
    if (pattern[0] === '\\' && pattern[1] === '.') off = 2;
    else if (pattern[0] === '^') {
      off = 1;
      operator = '==';
    }
    len--;
  } else if (pattern[0] === '^') {
    off = 1;
    operator = '=^';
  } else {
    return { operator: '=~', pattern };
  }
  const body = pattern.slice(off, len);
  if ([...body].some((c) => REGEX_CHARS.includes(c))) return { operator: '=~', pattern };
  // off == 2 keeps the "." of "\.ext"
  return { operator, pattern: pattern.slice(off === 0 ? 0 : 1, len) };
}

/** Compiles a PCRE-style pattern to a RegExp; a leading (?i) becomes the i flag. */
export function compileConditionRegex(source: string): { ok: true; regex: RegExp } | { ok: false; reason: string } {
  let flags = '';
  let body = source;
  const inline = /^\(\?([imsx]+)\)/.exec(body);
  if (inline !== null && !(inline[1] as string).includes('x')) {
    flags = inline[1] as string;
    body = body.slice(inline[0].length);
  }
  try {
    return { ok: true, regex: new RegExp(body, flags) };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

/**
 * The compare string of a `$HTTP["remoteip"]` ==, !=, =^ or =$ condition, as upstream's
 * config_remoteip_normalize(): an IP address (IPv6 with or without []), optionally "/bits";
 * null when it is not an address ("invalid IP addr"). A unix socket path is kept as is.
 */
export function normalizeRemoteIp(pattern: string): string | null {
  if (pattern.startsWith('/')) return pattern;
  const slash = pattern.indexOf('/');
  const suffix = slash < 0 ? '' : pattern.slice(slash);
  let addr = slash < 0 ? pattern : pattern.slice(0, slash);
  if (addr.startsWith('[') && addr.endsWith(']')) addr = addr.slice(1, -1);
  const family = net.isIP(addr);
  if (family === 0) return null;
  return (family === 6 ? addr.toLowerCase() : addr) + suffix;
}

export interface ConditionResult {
  readonly matched: boolean;
  /** For a matching `=~`: the whole match and groups (%0..%9 in values); null otherwise. */
  readonly captures: readonly string[] | null;
}

const NO_MATCH: ConditionResult = Object.freeze({ matched: false, captures: null });
const MATCH: ConditionResult = Object.freeze({ matched: true, captures: null });
const result = (b: boolean): ConditionResult => (b ? MATCH : NO_MATCH);

function remoteIpInNet(ip: string, cidr: string): boolean | null {
  const slash = cidr.indexOf('/');
  const base = cidr.slice(0, slash);
  const bits = Number(cidr.slice(slash + 1));
  const family = net.isIP(base);
  const ipFamily = net.isIP(ip);
  if (family === 0 || ipFamily === 0 || !Number.isInteger(bits)) return null;
  const list = new net.BlockList();
  const type = family === 6 ? 'ipv6' : 'ipv4';
  list.addSubnet(base, bits, type);
  return list.check(ip, ipFamily === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Tests one condition against the request value it names (a missing header is the empty
 * string, as upstream). `remote-ip` with `==`/`!=` accepts CIDR notation like "10.0.0.0/8".
 */
export function evaluateCondition(c: Condition, value: string | undefined): ConditionResult {
  const v = value ?? '';
  switch (c.operator) {
    case '==':
    case '!=': {
      let eq: boolean;
      if (c.subject.kind === 'remote-ip' && c.pattern.includes('/')) eq = remoteIpInNet(v, c.pattern) ?? false;
      else eq = v === c.pattern;
      return result(c.operator === '==' ? eq : !eq);
    }
    case '=^':
      return result(v.startsWith(c.pattern));
    case '=$':
      return result(v.endsWith(c.pattern));
    case '=~': {
      const m = (c.regex as RegExp).exec(v);
      return m === null ? NO_MATCH : { matched: true, captures: Object.freeze(m.map((x) => x ?? '')) };
    }
    case '!~':
      return result(!(c.regex as RegExp).test(v));
  }
}
