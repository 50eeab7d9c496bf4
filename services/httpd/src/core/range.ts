// Range request parsing as lighttpd 1.4.69 http_range.c: "bytes=" sets read with strtoll(),
// suffix ranges, invalid specs ignored, at most 10 ranges (more are ignored), ranges that overlap or
// lie closer than 80 bytes coalesced into the first.

/** Upstream's limit on ranges in one request (RMAX). */
const RMAX = 10;
/** Gap below which two ranges are sent as one (about the overhead of a multipart part). */
const COALESCE_GAP = 80;

export const MULTIPART_BOUNDARY = 'fkj49sn38dcn3';

const LLONG_MAX = 9223372036854775807n;

interface Strtoll {
  /** The value; ±Infinity when strtoll would clamp to LLONG_MAX / LLONG_MIN. */
  readonly n: number;
  /** Index after the number, or the start when there were no digits (C's endptr == s). */
  readonly end: number;
}

/** C strtoll(s + at, &end, 10): leading white space, an optional sign, decimal digits. */
function strtoll(s: string, at: number): Strtoll {
  let i = at;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i] as string)) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-';
  const digits = i;
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
  if (i === digits) return { n: 0, end: at };
  const big = BigInt(s.slice(digits, i));
  if (big > LLONG_MAX + (negative ? 1n : 0n)) return { n: negative ? -Infinity : Infinity, end: i };
  const n = Number(big);
  return { n: negative ? -n : n, end: i };
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/** http_range_parse_next: one spec from `at`; the range or null (invalid), and where parsing stopped. */
function parseNext(s: string, at: number, len: number): { range: [number, number] | null; end: number } {
  const first = strtoll(s, at);
  let e = first.end;
  let range: [number, number] | null = null;
  if (first.n >= 0) {
    if (first.n !== Infinity && first.n < len && e !== at) {
      while (isBlank(s[e])) e++;
      if (s[e] === '-') {
        const from = e + 1;
        const last = strtoll(s, from);
        e = last.end;
        if (e === from || (last.n === 0 && s[e - 1] !== '0')) range = [first.n, len - 1];
        else if (first.n <= last.n && last.n !== Infinity) range = [first.n, last.n < len ? last.n : len - 1];
      }
    }
  } else if (first.n !== -Infinity) {
    range = [len > -first.n ? len + first.n : 0, len - 1];
  }
  while (isBlank(s[e])) e++;
  return { range, end: e };
}

/**
 * Parses the value after "bytes=" for a representation of `length` (> 0) bytes. Returns flat
 * [start, end, start, end, ...] (inclusive ends), or an empty array when nothing is satisfiable (416).
 */
export function parseRanges(spec: string, length: number): number[] {
  const r: number[] = [];
  let at = 0;
  for (;;) {
    const next = parseNext(spec, at, length);
    let e = next.end;
    if ((e >= spec.length || spec[e] === ',') && next.range !== null) r.push(next.range[0], next.range[1]);
    else while (e < spec.length && spec[e] !== ',') e++;
    if (e >= spec.length || r.length >= RMAX * 2) break;
    at = e + 1;
  }
  return r.length <= 2 ? r : coalesceUnsorted(r);
}

function coalesceUnsorted(r: number[]): number[] {
  for (let i = 0; i + 2 < r.length; i += 2) {
    const b = r[i] as number;
    const e = r[i + 1] as number;
    for (let j = i + 2; j < r.length; j += 2) {
      const bj = r[j] as number;
      const ej = r[j + 1] as number;
      if (b <= bj ? e < bj - COALESCE_GAP : ej < b - COALESCE_GAP) continue;
      r[i] = b <= bj ? b : bj;
      r[i + 1] = e >= ej ? e : ej;
      r.splice(j, 2);
      i = -2;
      break;
    }
  }
  return r;
}

/** The part header of one multipart/byteranges part (the first one without the leading CRLF). */
export function multipartPartHeader(first: boolean, contentType: string, start: number, end: number, total: number): string {
  return (
    (first ? '--' : '\r\n--') +
    MULTIPART_BOUNDARY +
    (contentType === '' ? '' : '\r\nContent-Type: ' + contentType) +
    '\r\nContent-Range: bytes ' + start + '-' + end + '/' + total + '\r\n\r\n'
  );
}

export const MULTIPART_END = '\r\n--' + MULTIPART_BOUNDARY + '--\r\n';
export const MULTIPART_TYPE = 'multipart/byteranges; boundary=' + MULTIPART_BOUNDARY;
