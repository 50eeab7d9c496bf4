// Range request parsing as lighttpd 1.4.69 http_range.c: "bytes=" sets, suffix ranges, invalid
// specs ignored, ranges closer than 80 bytes coalesced, at most 128 ranges (10 when unsorted).

/** Upstream's limits on ranges in one request. */
const RMAX = 128;
const RMAX_UNSORTED = 10;
/** Gap below which two ranges are sent as one (about the overhead of a multipart part). */
const COALESCE_GAP = 80;

export const MULTIPART_BOUNDARY = 'fkj49sn38dcn3';

/**
 * Parses the value after "bytes=" for a representation of `length` (> 0) bytes. Returns flat
 * [start, end, start, end, ...] (inclusive ends), or an empty array when nothing is satisfiable (416).
 */
export function parseRanges(spec: string, length: number): number[] {
  const r: number[] = [];
  let lim = RMAX * 2;
  let s = 0;
  const n = spec.length;
  for (;;) {
    const comma = spec.indexOf(',', s);
    const end = comma === -1 ? n : comma;
    const one = parseOne(spec.slice(s, end), length);
    if (one !== null) {
      r.push(one[0], one[1]);
      const k = r.length;
      if (k >= 4) {
        const b1 = r[k - 4] as number;
        const e1 = r[k - 3] as number;
        const b2 = r[k - 2] as number;
        const e2 = r[k - 1] as number;
        if (b1 <= b2) {
          if (!(e1 < b2 - COALESCE_GAP)) {
            if (e1 < e2) r[k - 3] = e2;
            r.length = k - 2;
          }
        } else {
          if (k > RMAX_UNSORTED * 2) {
            r.length = k - 2;
            break;
          }
          lim = RMAX_UNSORTED * 2;
        }
      }
    }
    if (comma === -1 || r.length >= lim) break;
    s = comma + 1;
  }
  if (r.length <= 2 || lim === RMAX * 2) return r;
  return coalesceUnsorted(r);
}

/** One byte-range-spec ("a-b", "a-", "-n") with optional blanks; null when invalid or unsatisfiable. */
function parseOne(text: string, length: number): [number, number] | null {
  const t = text.trim();
  const dash = t.indexOf('-');
  if (dash === -1) return null;
  const first = t.slice(0, dash).trim();
  const last = t.slice(dash + 1).trim();
  if (first === '') {
    if (!/^\d+$/.test(last)) return null;
    const suffix = Number(last);
    if (suffix === 0) return null;
    return [length > suffix ? length - suffix : 0, length - 1];
  }
  if (!/^\d+$/.test(first) || (last !== '' && !/^\d+$/.test(last))) return null;
  const b = Number(first);
  if (b >= length) return null;
  if (last === '') return [b, length - 1];
  const e = Number(last);
  if (e < b) return null;
  return [b, e < length ? e : length - 1];
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
