// White-box tests of Range parsing (lighttpd 1.4.69 src/http_range.c http_range_parse,
// http_range_parse_next, http_range_coalesce, http_range_multi); the expected values are what
// lighttpd 1.4.69 answers for the same Range header on a 3000-byte file.
import { MULTIPART_BOUNDARY, MULTIPART_END, MULTIPART_TYPE, multipartPartHeader, parseRanges } from './range';

const LEN = 3000;

describe('parseRanges', () => {
  it('takes a single range, clamping its end to the representation', () => {
    expect(parseRanges('0-0', LEN)).toEqual([0, 0]);
    expect(parseRanges('5-6', LEN)).toEqual([5, 6]);
    expect(parseRanges('100-99999', LEN)).toEqual([100, 2999]);
    expect(parseRanges('2999-2999', LEN)).toEqual([2999, 2999]);
  });

  it('takes suffix ranges (the last n bytes, all of it when n is larger)', () => {
    expect(parseRanges('-5', LEN)).toEqual([2995, 2999]);
    expect(parseRanges('-3000', LEN)).toEqual([0, 2999]);
    expect(parseRanges('-3001', LEN)).toEqual([0, 2999]);
  });

  it('takes open-ended ranges up to the last byte', () => {
    expect(parseRanges('5-', LEN)).toEqual([5, 2999]);
    expect(parseRanges('2999-', LEN)).toEqual([2999, 2999]);
  });

  it('allows blanks around the numbers and the dash', () => {
    expect(parseRanges('5 - 6', LEN)).toEqual([5, 6]);
    expect(parseRanges(' 5-6', LEN)).toEqual([5, 6]);
    expect(parseRanges('5-6 ', LEN)).toEqual([5, 6]);
    expect(parseRanges('0-1, 200-201', LEN)).toEqual([0, 1, 200, 201]);
  });

  it('keeps several ranges in request order, unsorted ones too', () => {
    expect(parseRanges('0-1,200-300', LEN)).toEqual([0, 1, 200, 300]);
    expect(parseRanges('1000-1100,0-10', LEN)).toEqual([1000, 1100, 0, 10]);
    expect(parseRanges('-5,0-0', LEN)).toEqual([2995, 2999, 0, 0]);
  });

  it('coalesces overlapping ranges and ranges less than 80 bytes apart into one', () => {
    expect(parseRanges('0-1,2-3', LEN)).toEqual([0, 3]);
    expect(parseRanges('0-10,5-20,1000-1100', LEN)).toEqual([0, 20, 1000, 1100]);
    expect(parseRanges('0-0,0-0', LEN)).toEqual([0, 0]);
    // 10 and 91: a gap of 80 is still coalesced, 81 is not (e1 < b2 - 80)
    expect(parseRanges('0-10,90-100', LEN)).toEqual([0, 100]);
    expect(parseRanges('0-10,91-100', LEN)).toEqual([0, 10, 91, 100]);
    // unsorted: into the first range of the pair, in request order
    expect(parseRanges('1000-1100,0-10,1050-1200', LEN)).toEqual([1000, 1200, 0, 10]);
    expect(parseRanges('500-600,0-10,20-30', LEN)).toEqual([500, 600, 0, 30]);
  });

  it('ignores invalid or unsatisfiable specs and keeps the valid ones', () => {
    expect(parseRanges('0-1,garbage', LEN)).toEqual([0, 1]);
    expect(parseRanges('garbage,7-8', LEN)).toEqual([7, 8]);
    expect(parseRanges('3000-,5-6', LEN)).toEqual([5, 6]);
  });

  it('answers nothing (416) when no spec is satisfiable or valid', () => {
    for (const spec of ['3000-', '5000-6000', '5-3', '-0', 'abc', '', ',', '-', '--5', '1-1;', '5-6-7', '-5-6', '5 6-7', '0x10-20', '5-abc']) {
      expect([spec, parseRanges(spec, LEN)]).toEqual([spec, []]);
    }
  });
});

describe('parseRanges against lighttpd 1.4.69 limits and strtoll', () => {
  it('serves at most 10 ranges (1.4.69 RMAX; 128 sorted came with 1.4.72)', () => {
    // 13 ranges 200 bytes apart: lighttpd 1.4.69 answers a multipart body of 10 parts
    const spec = Array.from({ length: 13 }, (_, i) => `${i * 200}-${i * 200}`).join(',');
    const r = parseRanges(spec, LEN);
    expect(r.length / 2).toBe(10);
    expect(r.slice(0, 4)).toEqual([0, 0, 200, 200]);
    expect(r.slice(-2)).toEqual([1800, 1800]);
  });

  it('reads the numbers as strtoll does: a "+" sign is taken, overflow and "- n" are invalid', () => {
    expect(parseRanges('+5-6', LEN)).toEqual([5, 6]);
    expect(parseRanges('5-+6', LEN)).toEqual([5, 6]);
    expect(parseRanges('- 5', LEN)).toEqual([]);
    expect(parseRanges('0-99999999999999999999', LEN)).toEqual([]);
    expect(parseRanges('-99999999999999999999', LEN)).toEqual([]);
    expect(parseRanges('0-9223372036854775806', LEN)).toEqual([0, 2999]);
  });
});

describe('multipartPartHeader', () => {
  it('writes the boundary, the part Content-Type and Content-Range; the first part has no leading CRLF', () => {
    expect(multipartPartHeader(true, 'text/plain', 0, 1, 3000)).toBe(
      `--${MULTIPART_BOUNDARY}\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/3000\r\n\r\n`,
    );
    expect(multipartPartHeader(false, 'text/plain', 200, 201, 3000)).toBe(
      `\r\n--${MULTIPART_BOUNDARY}\r\nContent-Type: text/plain\r\nContent-Range: bytes 200-201/3000\r\n\r\n`,
    );
  });

  it('leaves out Content-Type when the response has none', () => {
    expect(multipartPartHeader(false, '', 5, 9, 10)).toBe(`\r\n--${MULTIPART_BOUNDARY}\r\nContent-Range: bytes 5-9/10\r\n\r\n`);
  });

  it('uses lighttpd\'s boundary, closing line and Content-Type', () => {
    expect(MULTIPART_BOUNDARY).toBe('fkj49sn38dcn3');
    expect(MULTIPART_END).toBe('\r\n--fkj49sn38dcn3--\r\n');
    expect(MULTIPART_TYPE).toBe('multipart/byteranges; boundary=fkj49sn38dcn3');
  });
});
